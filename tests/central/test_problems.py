"""No 5xx from any input: each input that once made a 500 answers a documented 4xx problem, and
what nobody foresaw answers a 500 whose log line holds no value of the request."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiosk.domain.identity import id_hash
from sync.server import errors
from sync.server.app import Central, create_app
from sync.server.auth import Role, add_staff
from sync.server.settings import ServerSettings
from tests.central.helpers import booked_at_desk, booking, event, page_csrf
from tests.central_fixtures import KEY, person

API = "/api/v1/halls/xixia"


class HallBurned(Exception):
    """A domain error a request can provoke (stands in for any of kiosk.domain's)."""


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", f"{API}/bookings?since={2**63}", None, 422, "invalid_request"),
        ("GET", f"{API}/slots?service=tax&day=9999-12-31", None, 422, "invalid_request"),
        ("GET", f"{API}/reports/daily?day=9999-12-31", None, 422, "invalid_request"),
        ("GET", f"{API}/reports/daily?day=0001-01-01", None, 422, "invalid_request"),
        ("GET", f"{API}/bookings?sinec=5", None, 422, "invalid_request"),
        ("POST", f"{API}/bookings", booking(1, slot_start="9999-12-31T23:59:59"), 422, None),
        ("POST", f"{API}/bookings", booking(1, slot_start="0001-01-01T00:00:00+14:00"), 422, None),
        ("POST", f"{API}/bookings", booking(1, name="张\x00三"), 422, "invalid_request"),
        ("POST", f"{API}/bookings", booking(1, name=f"张三{person(2)}"), 422, "invalid_request"),
        (
            "POST",
            f"{API}/events",
            {"events": [event(2**63, "ticket_issued", {})]},
            422,
            "invalid_request",
        ),
        (
            "POST",
            f"{API}/bookings/abcdefgh12/hall-change",
            {"approver": "王", "reason": "x", "slot_start": "9999-12-31T23:59:00"},
            422,
            "invalid_request",
        ),
    ],
)
def test_inputs_that_once_made_a_500(xixia, method, path, body, status, code) -> None:
    response = xixia.request(method, path, json=body)
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["error"] == code
    assert person(1) not in response.text and person(2) not in response.text


def test_a_body_that_is_not_utf8_is_a_400_problem(xixia) -> None:
    response = xixia.post(
        f"{API}/bookings",
        content=b'{"name": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert set(response.json()) == {"error", "message", "detail"}


def test_no_token_is_401_before_the_body_is_read(client) -> None:
    """Malformed JSON without a token: 401 (the body was never parsed), with the challenge."""
    response = client.post(
        f"{API}/events", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hall-kiosk central store"'
    bad = client.get(f"{API}/bookings", headers={"Authorization": "Bearer nonsense"})
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


@pytest.fixture
def fragile(settings: ServerSettings, central: Central, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An app whose slots route fails in two ways a domain could: with an unexpected error that
    quotes the request (an ID number in its message) and with a registered domain error."""
    from sync.server import bookings

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise ValueError(f"cannot plan the day for {person(3)} [parameters: ('{person(3)}',)]")

    def burn(*_args: Any, **_kwargs: Any) -> None:
        raise HallBurned("the hall burned down")

    monkeypatch.setattr(bookings, "slots_of_day", explode)
    monkeypatch.setattr(bookings, "bookings_of_day", burn)
    monkeypatch.setitem(
        errors.DOMAIN_PROBLEMS,
        HallBurned,
        errors.DomainProblem(
            409, "hall_closed", lambda error: f"关闭：{error}", lambda _error: {"since": "today"}
        ),
    )
    return create_app(settings, central)


def test_an_unexpected_error_is_a_500_whose_log_holds_no_request_values(
    fragile, devices, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(fragile) as client:
        client.headers["Authorization"] = f"Bearer {devices.token('xixia')}"
        response = client.get(f"{API}/slots", params={"service": "tax", "day": "2026-11-28"})
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert person(3) not in response.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "500 internal_error on GET /halls/{hall}/slots (slots): ValueError" in logged
    assert person(3) not in logged and "parameters" not in logged
    assert all(record.exc_info is None for record in caplog.records)


def test_a_domain_error_is_mapped_to_its_problem_in_one_place(fragile, central) -> None:
    with central.transaction() as session:
        add_staff(session, "admin", "admin-password-1", Role.COUNTY_ADMIN)
    with TestClient(fragile) as client:
        client.post("/staff/login", data={"username": "admin", "password": "admin-password-1"})
        page = client.get("/staff/halls/xixia/bookings", params={"day": "2026-11-28"})
    assert page.status_code == 409
    assert page.headers["content-type"].startswith("text/html")
    assert "关闭：the hall burned down" in page.text and 'data-code="hall_closed"' in page.text
    problem = errors.as_problem(HallBurned("x"))  # what the API answers with, as JSON
    assert problem is not None and (problem.status, problem.detail) == (409, {"since": "today"})


@pytest.fixture
def desk(client, central) -> TestClient:
    with central.transaction() as session:
        add_staff(session, "desk", "desk-password-1", Role.HALL_DESK, ["xixia"])
    client.post("/staff/login", data={"username": "desk", "password": "desk-password-1"})
    client.csrf = page_csrf(client)  # type: ignore[attr-defined]
    return client


def test_the_cancel_form_with_over_long_values_answers_the_form(desk, caplog) -> None:
    booking_id = booked_at_desk(desk, desk.csrf)
    cancel = f"/staff/halls/xixia/bookings/{booking_id}/cancel"
    caplog.set_level(logging.DEBUG)
    long_id = desk.post(
        cancel, data={"csrf": desk.csrf, "by": "citizen", "id_number": person(1) + person(2)}
    )
    assert long_id.status_code == 400 and "身份证号码" in long_id.text
    long_approver = desk.post(
        cancel, data={"csrf": desk.csrf, "by": "hall", "approver": "王" * 100, "reason": "停电"}
    )
    assert long_approver.status_code == 400 and "审批人" in long_approver.text
    too_long = desk.post(
        cancel, data={"csrf": desk.csrf, "by": "hall", "approver": "王" * 300, "reason": "x"}
    )
    assert too_long.status_code == 422 and too_long.headers["content-type"].startswith("text/html")
    for response in (long_id, long_approver, too_long):
        assert person(1) not in response.text and person(2) not in response.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert person(1) not in logged and person(2) not in logged


def test_a_refused_kiosk_bookings_pages_open(desk, xixia, clock) -> None:
    """A booking the centre refused may name an item the hall does not have."""
    clock.set(datetime(2026, 11, 23, 10, 5))
    payload = {
        "booking_id": "kiosk-0000000042",
        "service": "no-such-item",
        "slot_start": "2026-11-28T09:00:00",
        "id_hash": id_hash(person(4), KEY),
        "masked_name": "李*",
        "channel": "kiosk",
    }
    pushed = xixia.post(
        f"{API}/events",
        json={"events": [event(1, "booking_created", payload, occurred_at="2026-11-23T10:00:00")]},
    )
    assert pushed.json()["results"][0]["reason"] == "unknown_service"
    confirmation = desk.get("/staff/halls/xixia/bookings/kiosk-0000000042")
    assert confirmation.status_code == 200 and "未被受理" in confirmation.text
    cancel_page = desk.get("/staff/halls/xixia/bookings/kiosk-0000000042/cancel")
    assert cancel_page.status_code == 200 and "no-such-item" in cancel_page.text
