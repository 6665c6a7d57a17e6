"""The screens' plain parts, without a window: slips, the queue link, sizes, the hall clock and
the ``kiosk run`` argument checks."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.app.cli.main import main
from kiosk.clock import RunningClock
from kiosk.config import load_hall
from kiosk.domain.booking_code import booking_code
from kiosk.services.views import BookingView, TicketView
from screens.env import parse_size
from screens.slips import booking_slip, queue_link, ticket_slip


def ticket(**changes: object) -> TicketView:
    values: dict[str, object] = dict(
        id=7,
        hall_id="xixia",
        hall_name_zh="西峡县政务服务中心",
        hall_name_en="Xixia County Government Service Centre",
        day=date(2026, 11, 23),
        number="B001",
        service_id="social-insurance",
        service_name_zh="社保医保",
        service_name_en="Social and medical insurance",
        kind="walk_in",
        priority_group=None,
        status="waiting",
        issued_at=datetime(2026, 11, 23, 10, 0),
        queued_at=datetime(2026, 11, 23, 10, 0),
        ahead=3,
        wait_minutes=24,
        name_masked="张*",
        materials_zh=("本人居民身份证",),
        materials_en=("ID card",),
    )
    values.update(changes)
    return TicketView(**values)  # type: ignore[arg-type]


LINK = "https://q.example/queue/xixia/2026-11-23/B001"


def test_walk_in_slip_carries_no_name_but_every_material() -> None:
    slip = ticket_slip(ticket(), "08:00-12:00", "0377-60119518", LINK, "zh_CN")
    assert (slip.number, slip.ahead, slip.wait_minutes) == ("B001", 3, 24)
    assert slip.masked_name is None and not slip.booked and slip.booking_code is None
    assert slip.materials == ("本人居民身份证",)  # 一次性告知 on a walk-in ticket too
    assert slip.status_url == LINK and slip.hours_today == "08:00-12:00"
    assert not (slip.priority or slip.materials_only or slip.reprint)


def test_slip_carries_where_to_go_and_the_marks_in_its_language() -> None:
    view = ticket(
        priority_group="elderly",
        materials_only=True,
        reprint=True,
        where_zh="一楼B区 3、4 号任一窗口",
        where_en="Zone B, Floor 1: Any of windows 3, 4",
    )
    reprinted = datetime(2026, 11, 23, 11, 0)
    slip = ticket_slip(view, "", None, None, "zh_CN", reprinted)
    assert slip.where == "一楼B区 3、4 号任一窗口" and slip.status_url is None
    assert slip.priority and slip.materials_only and slip.reprint
    assert slip.printed_at == reprinted
    english = ticket_slip(view, "", None, None, "en", reprinted)
    assert english.where == "Zone B, Floor 1: Any of windows 3, 4"
    assert english.materials == ("ID card",)
    # a first print is not a reprint, whatever time is passed
    assert ticket_slip(ticket(), "", None, None, "zh_CN", reprinted).printed_at is None


def test_booked_slip_carries_masked_name_slot_and_materials_in_the_language() -> None:
    booked = ticket(
        kind="booked",
        slot_start=datetime(2026, 11, 23, 10, 0),
        slot_end=datetime(2026, 11, 23, 10, 30),
        ahead=None,
        wait_minutes=None,
        booking_central_id="0f8fad5b-d9cb-469f-a165-70867728950e",
    )
    slip = ticket_slip(booked, "", None, None, "en")
    assert slip.booked and slip.masked_name == "张*"
    assert slip.booking_code == booking_code("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert slip.materials == ("ID card",) and slip.item_name == "Social and medical insurance"
    assert (slip.ahead, slip.wait_minutes) == (0, 0)


def test_booking_slip_lists_every_material() -> None:
    hall = load_hall("xixia")
    service = hall.service("household")
    booking = BookingView(
        "local-1",
        "household",
        datetime(2026, 11, 24, 10, 0),
        datetime(2026, 11, 24, 10, 30),
        "booked",
        "李*红",
        "kiosk",
        "xixia",
    )
    slip = booking_slip(hall, service, booking, datetime(2026, 11, 23, 10, 5), "zh_CN")
    assert slip.materials == service.materials_zh and slip.masked_name == "李*红"
    assert slip.booking_code == booking_code("local-1") and slip.phone == hall.phone


def test_queue_link_names_hall_day_and_number() -> None:
    assert queue_link(None, ticket()) is None  # no queue page: no QR code at all
    assert queue_link("", ticket()) is None
    assert queue_link("https://q.example/", ticket()) == (
        "https://q.example/queue/xixia/2026-11-23/B001"
    )


def test_window_sizes() -> None:
    assert parse_size("1080x1920") == (1080, 1920)
    for bad in ("1080", "axb", "10x10", "1080x1920x2"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_running_clock_starts_at_the_given_instant_and_never_goes_back() -> None:
    start = datetime(2026, 11, 28, 9, 30)
    clock = RunningClock(start)
    first = clock.now()
    assert first >= start and clock.now() >= first
    assert first.date() == start.date()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--role", "staff", "--hall", "xixia"], "needs --window"),
        (["run", "--role", "staff", "--hall", "xixia", "--window", "99"], "no window 99"),
        (["run", "--role", "kiosk", "--hall", "xixia", "--size", "big"], "WIDTHxHEIGHT"),
        (["run", "--role", "kiosk", "--hall", "xixia", "--idle", "1"], "--idle"),
    ],
)
def test_run_refuses_bad_arguments_before_opening_a_window(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(tmp_path / "device.toml"))
    (tmp_path / "device.toml").write_text("")
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "screens-test-key-0123456789abcdef0123")
    monkeypatch.setenv("KIOSK_DATABASE_URL", f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    assert main(argv) == 2
    assert message in capsys.readouterr().err
