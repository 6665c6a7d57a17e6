"""The seeded central store hands the demo's bookings to the hall's device; ``central serve
--at`` runs the store's clock from the given instant; ``kiosk demo`` options."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from hardware.idcard.cardfile import demo_cards
from kiosk.app.cli.main import main
from kiosk.app.demo.layout import DemoDirError, prepare
from kiosk.app.demo.plan import Role, plan_demo
from kiosk.app.demo.seed import seed_central
from kiosk.config import load_calendar, load_hall
from kiosk.domain.identity import id_hash
from kiosk.settings import ID_HASH_KEY_ENV
from sync.server.app import create_app
from sync.server.settings import load_server_settings

KEY = "demo-tests-id-hash-key-0123456789abcdef"
CARDS = {stem: (c.identity.name, c.identity.id_number) for stem, c in demo_cards().items()}
ROOT = Path(__file__).resolve().parents[2]


def test_seeded_bookings_reach_the_halls_device(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(ID_HASH_KEY_ENV, KEY)
    hall = load_hall("xixia")
    plan = plan_demo(hall, load_calendar(), datetime(2026, 11, 24, 10, 5), CARDS)
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    seeded = seed_central(url, KEY.encode(), "xixia", plan, None)
    assert seeded.bookings == len(plan.bookings)
    with TestClient(create_app(load_server_settings(url))) as client:
        page = client.get(
            "/api/v1/halls/xixia/bookings",
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {seeded.token}"},
        ).json()
    pulled = {b["id"]: b for b in page["bookings"]}
    assert len(pulled) == len(plan.bookings)
    on_time = plan.part(Role.ON_TIME)
    booking = pulled[seeded.booking_ids[on_time.card]]
    assert booking["id_hash"] == id_hash(CARDS[on_time.card][1], KEY.encode())
    assert booking["slot_start"].startswith("2026-11-24T10:00")
    assert CARDS[on_time.card][1] not in str(page)  # only the hash and a masked name travel


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_central_serve_at_runs_the_clock_from_that_instant(tmp_path: Path, capsys) -> None:
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    env = {**os.environ, ID_HASH_KEY_ENV: KEY}
    os.environ[ID_HASH_KEY_ENV] = KEY
    try:
        assert main(["central", "add-device", "--hall", "xixia", "--json",
                     "--database-url", database]) == 0  # fmt: skip
    finally:
        del os.environ[ID_HASH_KEY_ENV]
    token = json.loads(capsys.readouterr().out)["token"]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk.app.cli.main", "central", "serve", "--port", str(port),
         "--database-url", database, "--at", "2026-11-24T10:01"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _attempt in range(200):
            try:
                requests.get(f"{base}/health", timeout=1)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        slots = requests.get(
            f"{base}/halls/xixia/slots",
            params={"service": "real-estate", "day": "2026-11-25"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).json()
        by_start = {s["start"][11:16]: s for s in slots}
        # 24 h lead: at 10:01 on the 24th the 10:00 slot of the 25th has just closed.
        assert by_start["10:00"]["open"] is False
        assert by_start["10:00"]["reason"] == "deadline_passed"
        assert by_start["10:30"]["open"] is True
    finally:
        server.terminate()
        assert server.wait(timeout=15) == 0  # a SIGTERM stop ends with status 0


def test_demo_options_are_checked(capsys) -> None:
    assert main(["demo", "--hall", "nowhere"]) == 2
    assert "shipped halls" in capsys.readouterr().err
    assert main(["demo", "--windows", "1,99"]) == 2
    assert "no window 99" in capsys.readouterr().err
    assert main(["demo", "--windows", "one"]) == 2


def test_demo_plans_prints_every_halls_plan(capsys) -> None:
    assert main(["demo", "--plans", "--date", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "西峡县政务服务中心" in out and "2026-11-24" in out


def test_a_fresh_run_refuses_a_directory_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "thesis.txt").write_text("do not delete")
    with pytest.raises(DemoDirError):
        prepare(tmp_path)
    assert (tmp_path / "thesis.txt").exists()
    demo = prepare(tmp_path / "demo")
    (demo.tickets / "job-0001.png").write_bytes(b"old")
    again = prepare(tmp_path / "demo")
    assert not list(again.tickets.iterdir())
