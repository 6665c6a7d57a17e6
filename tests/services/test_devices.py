"""Printer faults as store events and the alerts every console reads back."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.i18n import use_language
from kiosk.services.devices import (
    DeviceEventError,
    device_alerts,
    record_device_fault,
    record_device_ok,
)
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Event
from sync.state import central_event_filter

MONDAY = datetime(2026, 11, 16, 9, 0)


def at(minute: int) -> datetime:
    return MONDAY.replace(minute=minute)


def test_a_fault_stays_open_until_the_same_kiosk_reports_ok(store: HallStore) -> None:
    assert device_alerts(store).alerts == ()
    assert record_device_ok(store, "kiosk-1", "printer", at(0)) is False  # never faulty
    record_device_fault(store, "kiosk-1", "printer", "paper_out", "打印机缺纸", "A001", at(1))
    record_device_fault(store, "kiosk-2", "printer", "cover_open", "打印机盖未关好", None, at(2))
    record_device_fault(store, "kiosk-1", "printer", "paper_out", "打印机缺纸", "A002", at(3))
    board = device_alerts(store)
    assert [(a.terminal, a.code, a.tickets) for a in board.alerts] == [
        ("kiosk-1", "paper_out", ("A001", "A002")),
        ("kiosk-2", "cover_open", ()),
    ]
    assert board.alerts[0].since == at(1) and board.alerts[0].at == at(3)
    with use_language("zh_CN"):
        assert board.alerts[0].text() == "kiosk-1：打印机缺纸（未打印号票：A001、A002）"
    with use_language("en"):
        assert board.alerts[1].text() == "kiosk-2: The printer cover is open"

    assert record_device_ok(store, "kiosk-1", "printer", at(5)) is True
    assert record_device_ok(store, "kiosk-1", "printer", at(6)) is False  # already reported
    later = device_alerts(store, board.seq, board)  # incremental read from the last answer
    assert [a.terminal for a in later.alerts] == ["kiosk-2"]
    assert later.seq > board.seq
    assert device_alerts(store).alerts == later.alerts  # the same as reading from the start


def test_device_events_stay_in_the_hall(store: HallStore) -> None:
    record_device_fault(store, "kiosk-1", "printer", "printer_offline", "未连接", None, at(1))
    record_device_ok(store, "kiosk-1", "printer", at(2))
    with store.read() as session:
        rows = session.query(Event).order_by(Event.seq).all()
        outbound = session.query(Event).filter(central_event_filter()).count()  # type: ignore[arg-type]
    assert [(e.type, e.terminal) for e in rows] == [
        ("printer_fault", "kiosk-1"),
        ("printer_ok", "kiosk-1"),
    ]
    assert rows[0].payload == {
        "device": "printer",
        "code": "printer_offline",
        "message": "未连接",
        "ticket": None,
    }
    assert outbound == 0  # the sync outbox never sends them to the central store


def test_bad_device_events_are_refused(store: HallStore) -> None:
    with pytest.raises(DeviceEventError, match="unknown device"):
        record_device_fault(store, "kiosk-1", "scanner", "x", "", None, at(1))
    with pytest.raises(DeviceEventError, match="terminal"):
        record_device_fault(store, " ", "printer", "paper_out", "", None, at(1))
    with pytest.raises(DeviceEventError, match="code"):
        record_device_fault(store, "kiosk-1", "printer", "", "", None, at(1))
    assert device_alerts(store).alerts == ()
