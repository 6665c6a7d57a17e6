"""The pull every kiosk makes every few seconds: plain SQL in one read transaction, ETag/304
when nothing changed, 409 for a cursor ahead of the store, and (on PostgreSQL) answered from
the heads every process learns by LISTEN/NOTIFY, without the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event

from sync.protocol import BookingOut, BookingPage
from sync.server.app import Central, create_app, open_central
from sync.server.auth import revoke_device
from sync.server.heads import ListenedHeads
from sync.server.settings import ServerSettings
from tests.central.helpers import booking, wait_until
from tests.central_fixtures import Devices, person

API = "/api/v1/halls/xixia"


def test_the_last_page_carries_its_cursor_as_etag_and_304_follows(xixia) -> None:
    for serial in (1, 2, 3):
        assert xixia.post(f"{API}/bookings", json=booking(serial)).status_code == 201
    first = xixia.get(f"{API}/bookings", params={"since": 0, "limit": 2})
    assert first.json()["has_more"] and "ETag" not in first.headers
    last = xixia.get(f"{API}/bookings", params={"since": 2, "limit": 2})
    assert last.headers["ETag"] == '"3"' and last.headers["Cache-Control"] == "no-cache"
    unchanged = xixia.get(f"{API}/bookings", params={"since": 3}, headers={"If-None-Match": '"3"'})
    assert unchanged.status_code == 304 and unchanged.content == b""
    empty = xixia.get(f"{API}/bookings", params={"since": 3})
    assert empty.json() == {"hall": "xixia", "bookings": [], "cursor": 3, "has_more": False}
    xixia.post(f"{API}/bookings", json=booking(4))
    changed = xixia.get(f"{API}/bookings", params={"since": 3}, headers={"If-None-Match": '"3"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"4"'


def test_a_cursor_ahead_of_the_store_is_409_with_its_head(xixia) -> None:
    xixia.post(f"{API}/bookings", json=booking(1))
    response = xixia.get(f"{API}/bookings", params={"since": 1_000_000_000})
    assert response.status_code == 409
    problem = response.json()
    assert problem["error"] == "cursor_ahead"
    assert problem["detail"] == {"head": 1, "since": 1_000_000_000}


def test_the_pulled_json_is_the_protocols(xixia) -> None:
    """The pull writes its JSON by hand (no model on the hot path): it must read back as the
    same ``BookingOut`` the other routes give, notice, check-in and all."""
    made = xixia.post(f"{API}/bookings", json=booking(1)).json()
    xixia.post(
        f"{API}/bookings/{made['id']}/hall-change",
        json={"approver": "王主任", "reason": "调整", "slot_start": "2026-11-28T15:00:00"},
    )
    page = BookingPage.model_validate_json(xixia.get(f"{API}/bookings").content)
    (pulled,) = page.bookings
    single = BookingOut.model_validate(xixia.get(f"{API}/bookings/{made['id']}").json())
    assert pulled == single
    assert pulled.notice is not None and pulled.notice.previous_slot_start is not None
    assert pulled.materials_zh


def statements(central: Central) -> Callable[[], list[str]]:
    """SQL statements the store's engine runs from now on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa_event.listen(central.engine, "before_cursor_execute", record)
    return lambda: seen


@pytest.fixture
def second(settings: ServerSettings, central_url: str) -> Iterator[Central]:
    """Another server process's view of the same store (its own engine, caches, listener)."""
    if not central_url.startswith("postgresql"):
        pytest.skip("notifications are PostgreSQL's")
    other = open_central(settings, migrate=False)
    other.start()
    assert isinstance(other.heads, ListenedHeads) and other.heads.wait_live(20)
    yield other
    other.close()


def test_heads_follow_commits_of_every_process_and_pulls_skip_the_database(
    central: Central, second: Central, devices: Devices, settings: ServerSettings
) -> None:
    from sync.protocol import BookingCreate
    from sync.server.bookings import create_booking

    token = devices.token("xixia")
    request = BookingCreate.model_validate({**booking(1), "id_number": person(1)})
    with central.transaction() as session:
        create_booking(session, settings, "xixia", request, "test")
    assert wait_until(lambda: second.heads.known("xixia") == 1)
    with TestClient(create_app(settings, second)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.get(f"{API}/bookings", params={"since": 1}).status_code == 200  # token
        ran = statements(second)
        head = client.get(f"{API}/bookings", params={"since": 1}, headers={"If-None-Match": '"1"'})
        assert head.status_code == 304
        assert ran() == []  # token cached, head known: no database at all
        behind = client.get(f"{API}/bookings", params={"since": 0})
        assert len(behind.json()["bookings"]) == 1 and len(ran()) == 2  # counter, page


def test_a_revocation_reaches_every_process_at_once(
    central: Central, second: Central, settings: ServerSettings
) -> None:
    from sync.server.auth import add_device

    with central.transaction() as session:
        device, token = add_device(session, "xixia", "kiosk-9")
        device_id = device.id
    second.devices.clock = lambda: 0.0  # the cache never lapses: only the notification helps
    with TestClient(create_app(settings, second)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.get(f"{API}/bookings").status_code == 200  # now cached in `second`
        with central.transaction() as session:
            revoke_device(session, device_id)
        assert wait_until(lambda: client.get(f"{API}/bookings").status_code == 401)
