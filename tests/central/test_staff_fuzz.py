"""No 5xx from the staff pages either: every form and query of the booking desk fed arbitrary
text (control characters, ID numbers, very long values), answered with a page or a redirect,
never an error of the server, never an ID number sent back. Bounded: a fixed number of examples
with a fixed seed."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sync.protocol import TicketRatedPayload
from sync.server.app import Central, create_app
from sync.server.auth import Role, add_staff
from sync.server.follow_ups import record_rating
from sync.server.models import FollowUp
from tests.central.helpers import booked_at_desk, page_csrf, rating
from tests.central_fixtures import person

NUMBER = person(7)
texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=300),
    st.sampled_from(["", " ", NUMBER, "2026-11-28T09:00:00", "9999-12-31", "张小三", "\x00"]),
)
bounded = settings(
    max_examples=int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "30")),
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def admin(central: Central) -> Any:
    central.login_gate.address_burst = central.login_gate.total_burst = 10_000
    with central.transaction() as session:
        add_staff(session, "admin", "admin-password-1", Role.COUNTY_ADMIN)
    client = TestClient(create_app(central.settings, central))
    client.post("/staff/login", data={"username": "admin", "password": "admin-password-1"})
    client.csrf = page_csrf(client)  # type: ignore[attr-defined]
    client.booking = booked_at_desk(client, client.csrf)  # type: ignore[attr-defined]
    yield client
    client.close()


def answered(response: Any) -> None:
    assert response.status_code < 500, response.text[:300]
    assert NUMBER not in response.text
    if response.status_code not in (303, 307):
        assert response.headers["content-type"].startswith("text/html")


@bounded
@given(service=texts, day=texts, channel=texts, slot=texts, name=texts, number=texts, phone=texts)
def test_the_booking_form(admin: Any, service, day, channel, slot, name, number, phone) -> None:
    form = {"csrf": admin.csrf, "service": service, "day": day, "channel": channel}
    form |= {"slot": slot, "name": name, "id_number": number, "phone": phone}
    answered(admin.post("/staff/halls/xixia/book", data=form, follow_redirects=False))
    answered(admin.get("/staff/halls/xixia/book", params={"service": service, "day": day}))


@bounded
@given(by=texts, number=texts, approver=texts, reason=texts, booking=texts)
def test_the_cancel_form(admin: Any, by, number, approver, reason, booking) -> None:
    form = {"csrf": admin.csrf, "by": by, "id_number": number}
    form |= {"approver": approver, "reason": reason}
    for target in (admin.booking, booking):
        path = f"/staff/halls/xixia/bookings/{quote(target, safe='')}/cancel"
        answered(admin.post(path, data=form, follow_redirects=False))


@bounded
@given(day=texts, code=texts, hall=texts, user=texts, password=texts, following=texts)
def test_the_lists_reports_and_login(
    admin: Any, day, code, hall, user, password, following
) -> None:
    answered(admin.get("/staff/halls/xixia/bookings", params={"day": day, "code": code}))
    answered(admin.get("/staff/halls/xixia/report", params={"day": day}))
    answered(admin.get(f"/staff/halls/{quote(hall, safe='')}/bookings"))
    answered(admin.get("/staff/login", params={"next": following}))
    login = {"username": user, "password": password, "next": following}
    answered(TestClient(admin.app).post("/staff/login", data=login, follow_redirects=False))


@pytest.fixture
def follow_up(admin: Any, central: Central, clock: Any) -> int:
    """A 差评's follow-up of the hall, pushed as the hall's kiosk would."""
    payload = TicketRatedPayload.model_validate(rating())
    clock.set(datetime(2026, 11, 23, 10, 10))
    with central.transaction() as session:
        record_rating(session, central.settings.halls["xixia"], payload, clock.now())
        return int(session.scalar(select(FollowUp.id)))


@bounded
@given(step=texts, note=texts, name=texts, phone=texts, when=texts, state=texts, item=texts)
def test_the_follow_up_pages(admin: Any, follow_up, step, note, name, phone, when, state, item):
    form = {"csrf": admin.csrf, "step": step, "note": note, "contact_name": name}
    form |= {"contact_phone": phone, "contacted_at": when}
    for target in (str(follow_up), quote(item, safe="")):
        answered(admin.post(f"/staff/follow-ups/{target}/steps", data=form, follow_redirects=False))
        answered(admin.get(f"/staff/follow-ups/{target}"))
    # A visit that passes the step's time and note checks, so names and phones reach the store.
    visit = form | {"step": "visit", "contacted_at": "2026-11-23T10:08", "note": f"说明{note}"}
    answered(admin.post(f"/staff/follow-ups/{follow_up}/steps", data=visit, follow_redirects=False))
    answered(admin.get("/staff/follow-ups", params={"state": state, "hall": item}))
