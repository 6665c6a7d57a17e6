from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk import sd_notify


def test_messages_reach_the_notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert sd_notify.ready("attract screen shown")
        assert server.recv(256) == b"READY=1\nSTATUS=attract screen shown"
        assert sd_notify.watchdog()
        assert server.recv(256) == b"WATCHDOG=1"


def test_without_systemd_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sd_notify.ready() is False


def test_watchdog_interval_is_half_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sd_notify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert sd_notify.watchdog_interval() is None


def test_shipped_units_are_complete() -> None:
    units = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    names = ("hall-kiosk.service", "hall-staff@.service", "hall-display.service")
    for name in (*names, "hall-terminal@.service"):
        text = (units / name).read_text(encoding="utf-8")
        assert "Type=notify" in text and "WatchdogSec=" in text and "Restart=always" in text
        assert "kiosk run --role" in text
