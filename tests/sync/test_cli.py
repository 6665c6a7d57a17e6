"""``kiosk sync`` as a process: one cycle, the status the screens show, and a client killed
with SIGKILL in the middle of a drain, restarted, ending in exact agreement."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.clock import FixedClock
from kiosk.services import take_ticket
from kiosk.store.hallstore import HallStore
from sync.server.app import Central
from tests.sync.agree import assert_agree
from tests.sync.conftest import KEY, book_centrally, saturday_slot
from tests.sync.faultproxy import FaultProxy

MONDAY_0930 = datetime(2026, 11, 23, 9, 30)
AT = "2026-11-23T09:30"


def device_file(tmp_path: Path, central_url: str, url: str | None, token: str | None) -> Path:
    path = tmp_path / "device.toml"
    lines = [
        'hall = "xixia"',
        'terminal = "kiosk-1"',
        f"database_url = {json.dumps(central_url)}",
        f"id_hash_key = {json.dumps(KEY.decode())}",
    ]
    if url and token:
        lines += ["[central]", f"url = {json.dumps(url)}", f"token = {json.dumps(token)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o640)  # it holds the ID-hash key: never readable by every user
    return path


def kiosk(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KIOSK_DATABASE", "KIOSK_HALL", "KIOSK_ID_HASH", "KIOSK_CENTRAL"))
    }
    env["KIOSK_DEVICE_CONFIG"] = str(config)
    # --timeout: ample on a loaded machine (a slow answer is not what these tests are about)
    timeout = [] if "--status" in args or "--timeout" in args else ["--timeout", "90"]
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.app.cli.main", "sync", "--at", AT, *timeout, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err


def kill_when_held(process: subprocess.Popen[str], proxy: FaultProxy) -> None:
    assert proxy.held.wait(60), process.stderr.read() if process.poll() is not None else ""
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    proxy.release()


def test_killed_mid_drain_twice_then_restarted_agrees_exactly(
    central: Central,
    hall_store: HallStore,
    hall_url: str,
    proxy: FaultProxy,
    kiosk_token: str,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    for n, serial in enumerate(range(100, 108)):
        book_centrally(central, serial, saturday_slot(n))
    clock.set(MONDAY_0930)
    for _ in range(45):
        assert take_ticket(hall_store, "real-estate", clock.now()).ticket is not None
    config = device_file(tmp_path, hall_url, proxy.url, kiosk_token)
    proxy.only_path = "/events"

    # Killed while its third batch is on the way (the server gets it after the kill) ...
    proxy.plan(["ok", "ok", "hold_request"])
    kill_when_held(kiosk(config, "--once", "--batch", "10"), proxy)
    # ... and while waiting for the answer to a batch the server has applied.
    proxy.plan(["ok", "hold_reply"])
    kill_when_held(kiosk(config, "--once", "--batch", "10"), proxy)

    status, out, err = finished(kiosk(config, "--once", "--batch", "10", "--json"))
    assert status == 0, err
    report = json.loads(out)
    assert report["duplicates"] >= 10 and report["pulled"] == 8
    assert_agree(central, hall_store)

    status, out, err = finished(kiosk(config, "--status", "--json"))
    assert status == 0, err
    state = json.loads(out)
    assert state["online"] is True and state["outbox_depth"] == 0
    assert state["offline_seconds"] is None and state["refused_bookings"] == []


def test_without_a_central_store_the_cycle_fails_in_plain_words(
    hall_url: str, tmp_path: Path
) -> None:
    config = device_file(tmp_path, hall_url, None, None)
    status, _out, err = finished(kiosk(config, "--once"))
    assert status == 1 and "未设置中心预约系统" in err
    status, out, err = finished(kiosk(config, "--status", "--json"))
    assert status == 0, err
    state = json.loads(out)
    assert state["online"] is False and state["last_error"] == "not_configured"


@pytest.mark.parametrize("arguments", [["--interval", "0"], ["--batch", "900", "--once"]])
def test_bad_options_are_refused(hall_url: str, tmp_path: Path, arguments: list[str]) -> None:
    config = device_file(tmp_path, hall_url, "http://127.0.0.1:9", "token-that-is-not-used")
    status, _out, err = finished(kiosk(config, *arguments))
    assert status == 2 and err.strip()
