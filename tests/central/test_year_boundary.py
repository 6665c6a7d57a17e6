"""The central store across New Year: slots, bookings and the staff desk with the clock on
2026-12-20, 2026-12-31 and 2027-01-02, without a 2027 file, with one and with a draft; and
no date at all, however far off, gets a 5xx from any route."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from kiosk.clock import FixedClock
from sync.server.auth import Role, add_staff
from sync.server.settings import ServerSettings
from tests.central.helpers import page_csrf
from tests.central_fixtures import person

API = "/api/v1/halls/xixia"
BOOK = "/staff/halls/xixia/book"
CLOCKS = (datetime(2026, 12, 20, 9, 0), datetime(2026, 12, 31, 9, 0), datetime(2027, 1, 2, 9, 0))
MONDAY_SLOT = "2027-01-04T09:00:00"


@pytest.fixture
def settings(calendar_case: str, settings: ServerSettings) -> ServerSettings:
    """The central store's settings, read once the case's hall calendar directory is set."""
    return settings


def _booking(serial: int, slot: str = MONDAY_SLOT, day: str | None = None) -> dict[str, Any]:
    return {
        "service": "real-estate",
        "slot_start": slot,
        "channel": "online",
        "name": "张小三",
        "id_number": person(serial),
        "phone": "13812345678",
    }


def _log_in(client: Any, central: Any) -> str:
    with central.transaction() as session:
        add_staff(session, "desk", "desk-password-1", Role.HALL_DESK, ["xixia"])
    client.post("/staff/login", data={"username": "desk", "password": "desk-password-1"})
    return page_csrf(client)


def test_api_and_desk_across_new_year(
    xixia: Any, central: Any, clock: FixedClock, calendar_case: str
) -> None:
    csrf = _log_in(xixia, central)
    known, draft = calendar_case != "no-2027", calendar_case == "provisional-2027"
    for serial, now in enumerate(CLOCKS, start=1):
        clock.set(now)
        slots = xixia.get(f"{API}/slots", params={"service": "real-estate", "day": "2027-01-04"})
        made = xixia.post(f"{API}/bookings", json=_booking(serial))
        if not known:
            assert slots.status_code == 409
            assert slots.json()["error"] == "no_calendar"
            assert slots.json()["message"] == "2027年节假日安排未发布，该日办公安排待定。"
            assert slots.json()["detail"]["year"] == 2027
            assert "kiosk calendar import" in slots.json()["detail"]["fix"]
            assert made.status_code == 422 and made.json()["error"] == "no_calendar"
            assert made.json()["message"] == "2027年节假日安排未发布，暂不能预约该日。"
        elif now.day == 20:  # 15 days ahead: beyond the 14-day horizon, for the right reason
            assert slots.status_code == 200
            assert {s["reason"] for s in slots.json()} == {"too_far_ahead"}
            assert made.status_code == 422 and made.json()["error"] == "too_far_ahead"
        else:
            assert slots.status_code == 200 and slots.json()[0]["open"]
            assert made.status_code == 201, made.text
        # A day of the old year is answered as ever, at every clock.
        old = xixia.get(f"{API}/slots", params={"service": "real-estate", "day": "2026-12-31"})
        assert old.status_code == 200 and old.json()
        pulled = xixia.get(f"{API}/bookings", params={"since": 0, "from_day": now.date()})
        assert pulled.status_code == 200
        # The desk's page opens on tomorrow: 2027-01-01 on New Year's Eve.
        page = xixia.get(BOOK, params={"service": "real-estate"})
        assert page.status_code == 200
        tomorrow = now.date() + timedelta(days=1)
        assert f'<option value="{tomorrow.isoformat()}" selected' in page.text
        if tomorrow.year == 2027:
            note = re.search(r'id="calendar-note">([^<]*)<', page.text)
            if not known:
                assert note and note.group(1) == "2027年节假日安排未发布，该日办公安排待定。"
            elif draft:
                assert note and "2027年节假日安排为暂定" in note.group(1)
            else:
                assert note is None
        picker_note = "（节假日安排未发布）" if not known else "（暂定）" if draft else None
        if picker_note and now.day == 31:
            assert f"2027-01-04{picker_note}" in page.text
        # The desk books 4 January: refused with the reason shown, or booked (暂定 said).
        answer = xixia.post(
            BOOK,
            data={
                "csrf": csrf,
                "service": "real-estate",
                "day": "2027-01-04",
                "channel": "phone",
                "slot": MONDAY_SLOT,
                "name": "李四",
                "id_number": person(100 + serial),
                "phone": "13812345678",
            },
            follow_redirects=True,
        )
        assert answer.status_code < 500
        if not known:
            assert answer.status_code == 422
            assert "2027年节假日安排未发布，暂不能预约该日。" in answer.text
        elif now.day == 31:  # Thursday 09:00: Xixia's phone line is open
            assert answer.status_code == 200 and "预约成功" in answer.text
            assert ("节假日安排为暂定" in answer.text) == draft


@pytest.mark.parametrize("calendar_case", ["no-2027"], indirect=True)
def test_no_date_gets_a_5xx(
    xixia: Any, central: Any, clock: FixedClock, calendar_case: str
) -> None:
    _log_in(xixia, central)
    clock.set(datetime(2026, 12, 31, 9, 0))
    days = [date(2026, 12, 15) + timedelta(days=n) for n in range(0, 40, 3)]
    days += [date(1, 1, 1), date(1999, 6, 1), date(2099, 1, 1), date(9999, 12, 31)]
    for day in days:
        for path, params in [
            (f"{API}/slots", {"service": "real-estate", "day": day}),
            (f"{API}/bookings", {"since": 0, "from_day": day}),
            (f"{API}/reports/daily", {"day": day}),
            (BOOK, {"service": "real-estate", "day": day}),
            ("/staff/halls/xixia/bookings", {"day": day}),
        ]:
            response = xixia.get(path, params=params)
            assert response.status_code < 500, (path, day, response.text)
        slot = f"{day.isoformat()}T09:00:00"
        response = xixia.post(f"{API}/bookings", json=_booking(7, slot))
        assert response.status_code in (201, 409, 422), (day, response.text)
