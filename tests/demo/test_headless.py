"""The demo's headless run, as CI runs it: a booked person taps the card, the ticket prints,
window 1 calls it, the hall display shows it, and every process exits 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.screens.harness import ROOT, image_stats, kivy_environment

pytestmark = pytest.mark.slow


def test_headless_demo_runs_the_scripted_scenario(tmp_path: Path, window_available) -> None:
    folder = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.app.cli.main", "demo", "--headless", "--json",
         "--at", "2026-11-24T10:05", "--dir", str(folder)],
        capture_output=True, text=True, timeout=240, env=kivy_environment(), cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    report = json.loads(done.stdout)
    assert report == json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["failure"] is None
    assert set(report["exit_statuses"]) == {
        "central", "reader", "printer", "queue-page", "kiosk", "staff-a", "staff-b", "terminal-a",
        "terminal-b", "display", "drawer",
    }  # fmt: skip
    assert set(report["exit_statuses"].values()) == {0}

    scenario = report["scenario"]
    assert scenario["card"] == "resident-zhang-wei"
    ticket = Path(scenario["ticket_png"])
    assert ticket.parent == folder / "tickets" and image_stats(str(ticket))["stddev"] > 10
    number = scenario["called"]["number"]
    assert scenario["called"]["window"] == report["consoles"][0]
    # What the display process itself shows, and the console of the calling window.
    assert scenario["display"] == {"newest_number": number, "newest_window": report["consoles"][0]}
    assert scenario["console"]["current_number"] == number
    assert scenario["kiosk_after_tap"]["screen"] == "ticket"
    # the QR code printed on the ticket opens the demo's queue page, which knows the number;
    # its link is the token one (/q/<token>), which names neither the person nor the number
    page = scenario["queue_page"]
    assert page["status"] == 200 and page["shows_number"]
    base, token = page["link"].split("/q/")
    assert base.startswith("http://127.0.0.1:") and "/" not in token, page["link"]
    assert number not in token
    # The clerk finished; the window's rating pad asks the citizen (好差评).
    assert scenario["pad"]["pad_state"] == "asking"
    assert scenario["pad"]["rating_number"] == number
    for name, shot in scenario["screenshots"].items():
        stats = image_stats(shot)
        assert stats["stddev"] > 5 and stats["colours"] > 16, (name, stats)
    assert report["bookings"] > 5
    for log in ("central", "reader", "printer", "sync", "kiosk", "display", "drawer"):
        assert (folder / "logs" / f"{log}.log").stat().st_size > 0

    # the guide's clerk command runs as printed, from anywhere, working out the hall time itself
    call = report["clerk_call"]
    assert "/hall kiosk ticket call --window" in call and "--now" in call
    called = subprocess.run(
        ["bash", "-c", call + " --json"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert called.returncode == 0, called.stderr
    assert "ticket" in json.loads(called.stdout)
