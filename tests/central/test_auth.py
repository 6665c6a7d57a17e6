"""Device tokens: none, unknown, revoked and another hall's are refused on every route."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sync.server.auth import hash_password, hash_token, verify_password
from sync.server.models import Device
from tests.central.helpers import booking, event
from tests.central_fixtures import person

ROUTES = [
    ("GET", "/api/v1/halls/{hall}/bookings", None),
    ("GET", "/api/v1/halls/{hall}/bookings/someid0001", None),
    ("GET", "/api/v1/halls/{hall}/slots?service=tax&day=2026-11-28", None),
    ("GET", "/api/v1/halls/{hall}/reports/daily?day=2026-11-28", None),
    ("POST", "/api/v1/halls/{hall}/bookings", booking(1)),
    ("POST", "/api/v1/halls/{hall}/bookings/someid0001/cancel", {"id_number": person(1)}),
    (
        "POST",
        "/api/v1/halls/{hall}/bookings/someid0001/hall-cancel",
        {"approver": "王主任", "reason": "x"},
    ),
    (
        "POST",
        "/api/v1/halls/{hall}/bookings/someid0001/hall-change",
        {"approver": "王主任", "reason": "x", "slot_start": "2026-11-28T10:00:00"},
    ),
    ("POST", "/api/v1/halls/{hall}/events", {"events": [event(1, "ticket_issued", {})]}),
]


def call(client, method, path, body, token=None, hall="xixia"):
    headers = {"Authorization": token} if token is not None else {}
    return client.request(method, path.format(hall=hall), json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_no_token_or_a_bad_one_is_401(client, devices, method, path, body) -> None:
    assert call(client, method, path, body).status_code == 401
    assert call(client, method, path, body, "Bearer nonsense").json()["error"] == "bad_token"
    assert call(client, method, path, body, "Basic abc").json()["error"] == "no_token"


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_token_works_only_for_its_own_hall(client, devices, method, path, body) -> None:
    token = f"Bearer {devices.token('pinggu-district')}"
    response = call(client, method, path, body, token, hall="xixia")
    assert response.status_code == 403
    assert response.json()["error"] == "wrong_hall"


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_revoked_token_is_refused(client, devices, method, path, body) -> None:
    device_id, token = devices.with_id("xixia")
    devices.revoke(device_id)
    response = call(client, method, path, body, f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"] == "revoked_token"


def test_another_halls_token_changes_nothing(client, devices) -> None:
    own = f"Bearer {devices.token('xixia')}"
    other = f"Bearer {devices.token('pinggu-district')}"
    made = call(client, "POST", "/api/v1/halls/{hall}/bookings", booking(1), own).json()
    cancel = f"/api/v1/halls/{{hall}}/bookings/{made['id']}/cancel"
    assert call(client, "POST", cancel, {"id_number": person(1)}, other).status_code == 403
    # Naming its own hall does not reach another hall's booking either.
    response = call(client, "POST", cancel, {"id_number": person(1)}, other, "pinggu-district")
    assert response.status_code == 404
    state = call(client, "GET", f"/api/v1/halls/{{hall}}/bookings/{made['id']}", None, own)
    assert state.json()["status"] == "booked"


def test_only_the_token_hash_is_stored(central, devices) -> None:
    token = devices.token("xixia")
    with central.transaction() as session:
        device = session.scalars(select(Device)).one()
        assert device.token_hash == hash_token(token)
        assert token not in device.token_hash


def test_passwords_are_salted_scrypt() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("correct horse", first)
    assert not verify_password("wrong horse", first)
    assert not verify_password("correct horse", "md5$abc")
