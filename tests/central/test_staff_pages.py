"""The booking desk pages over HTTP: login, CSRF, booking under the rules, cancelling."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from kiosk.domain.booking_code import booking_code
from sync.server.auth import Role, add_staff
from tests.central.helpers import desk_form, page_csrf
from tests.central_fixtures import person

BOOK = "/staff/halls/xixia/book"


@pytest.fixture
def desk(client, central):
    with central.transaction() as session:
        add_staff(session, "desk", "desk-password-1", Role.HALL_DESK, ["xixia"])
    response = client.post(
        "/staff/login",
        data={"username": "desk", "password": "desk-password-1", "next": BOOK},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == BOOK
    client.csrf = page_csrf(client)
    return client


def form(desk, **changes):
    return desk_form(desk.csrf, **changes)


def test_pages_need_a_login(client) -> None:
    for path in ("/staff/", BOOK, "/staff/halls/xixia/bookings"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/login?next=")
    assert client.post(BOOK, data={}, follow_redirects=False).status_code in (303, 422)


def test_booking_form_shows_materials_and_free_slots(desk) -> None:
    page = desk.get(BOOK, params={"service": "real-estate", "day": "2026-11-28"})
    assert page.status_code == 200
    assert "不动产登记申请书" in page.text and "完税凭证" in page.text
    assert 'value="2026-11-28T09:00:00"' in page.text
    assert "余4个" in page.text


def test_a_phone_booking_ends_on_a_confirmation_with_the_materials(desk) -> None:
    response = desk.post(BOOK, data=form(desk))
    assert response.status_code == 200, response.text
    assert "预约成功" in response.text
    assert "不动产登记申请书" in response.text
    assert "张*三" in response.text
    assert person(1) not in response.text and "张小三" not in response.text


def test_refusals_are_shown_in_the_form_and_the_id_number_is_not_echoed(desk, clock) -> None:
    wrong = person(1)[:17] + ("1" if person(1)[-1] != "1" else "2")
    response = desk.post(BOOK, data=form(desk, id_number=wrong))
    assert response.status_code == 422
    assert "校验位错误" in response.text
    assert wrong not in response.text
    assert 'value="张小三"' in response.text  # kept so staff need not type it again
    clock.set(datetime(2026, 11, 23, 12, 0))
    closed = desk.post(BOOK, data=form(desk))
    assert closed.status_code == 422
    assert "不在受理时间内" in closed.text
    missing = desk.post(BOOK, data=form(desk, slot=""))
    assert missing.status_code == 400 and "请选择预约时段" in missing.text


def test_forms_need_the_sessions_csrf_token(desk) -> None:
    response = desk.post(BOOK, data=form(desk, csrf="forged"))
    assert response.status_code == 403
    assert (
        desk.get("/staff/halls/xixia/bookings", params={"day": "2026-11-28"}).text.count(
            "data-booking="
        )
        == 0
    )


def test_list_and_cancel_at_the_applicants_request(desk) -> None:
    confirmation = desk.post(BOOK, data=form(desk))
    booking_id = re.search(r'id="booking-id">([^<]+)<', confirmation.text).group(1)
    listing = desk.get("/staff/halls/xixia/bookings", params={"day": "2026-11-28"})
    assert booking_id in listing.text and "已预约" in listing.text
    cancel = f"/staff/halls/xixia/bookings/{booking_id}/cancel"
    wrong = desk.post(cancel, data={"csrf": desk.csrf, "by": "citizen", "id_number": person(2)})
    assert wrong.status_code == 422 and "预约人不符" in wrong.text
    no_approver = desk.post(cancel, data={"csrf": desk.csrf, "by": "hall", "reason": "停电"})
    assert no_approver.status_code == 422 and "审批人" in no_approver.text
    done = desk.post(cancel, data={"csrf": desk.csrf, "by": "citizen", "id_number": person(1)})
    assert done.status_code == 200 and "已取消" in done.text


def test_the_desk_finds_a_booking_by_the_code_on_its_slip(desk) -> None:
    """A citizen phoning the desk quotes the short code the kiosk printed or the desk read out
    (``kiosk.domain.booking_code``); the list finds it among the day's bookings."""
    first = desk.post(BOOK, data=form(desk))
    booking_id = re.search(r'id="booking-id">([^<]+)<', first.text).group(1)
    code = booking_code(booking_id)
    assert f'id="booking-code">{code}<' in first.text
    assert f"预约码：{code}" in first.text and f"预约编号：{booking_id}" not in first.text
    other = desk.post(BOOK, data=form(desk, id_number=person(2), name="李四"))
    assert other.status_code == 200
    listing = "/staff/halls/xixia/bookings"
    day = {"day": "2026-11-28"}
    assert desk.get(listing, params=day).text.count("data-booking=") == 2
    # As read out on the phone: lower case, spaces, a dash.
    spoken = f"{code[:3].lower()} {code[3:5]}-{code[5:]}"
    found = desk.get(listing, params={**day, "code": spoken})
    assert found.status_code == 200 and found.text.count("data-booking=") == 1
    assert f'data-booking="{booking_id}"' in found.text and f'value="{code}"' in found.text
    none = desk.get(listing, params={"day": "2026-11-29", "code": code})
    assert none.text.count("data-booking=") == 0 and f"没有预约码为 {code} 的预约" in none.text
    for wrong in ("ABC", "0OIL1SB", person(3)):
        refused = desk.get(listing, params={**day, "code": wrong})
        assert refused.status_code == 422 and "预约码为 7 位" in refused.text
        assert refused.text.count("data-booking=") == 0 and wrong not in refused.text


def test_logout_ends_the_session(desk) -> None:
    desk.post("/staff/logout")
    assert desk.get("/staff/", follow_redirects=False).status_code == 303
