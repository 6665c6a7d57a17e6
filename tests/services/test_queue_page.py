"""The phone page behind a ticket's QR code: place in the queue, then the window; no name."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from kiosk.clock import FixedClock
from kiosk.services.calling import call_next
from kiosk.services.queries import ticket_progress
from kiosk.services.tickets import take_ticket
from kiosk.store.hallstore import HallStore
from screens.queue_page import create_queue_page

MONDAY_10 = datetime(2026, 11, 23, 10, 0)


@pytest.fixture
def page(store: HallStore) -> tuple[TestClient, FixedClock]:
    clock = FixedClock(MONDAY_10)
    return TestClient(create_queue_page(store, clock)), clock


def test_place_in_the_queue_then_the_window(store: HallStore, page) -> None:
    client, clock = page
    numbers = [
        take_ticket(store, "social-insurance", MONDAY_10).ticket.number  # type: ignore[union-attr]
        for _ in range(3)
    ]
    url = f"/queue/pinggu-district/2026-11-23/{numbers[1]}"
    assert client.get(url, params={"format": "json"}).json() == {
        "number": numbers[1],
        "service": "social-insurance",
        "status": "waiting",
        "window": None,
        "ahead": 1,
        "wait_minutes": client.get(url, params={"format": "json"}).json()["wait_minutes"],
    }
    html = client.get(url).text
    assert "前面还有 1 人" in html and 'http-equiv="refresh"' in html
    assert "English" in html and "社保医保" in html

    clock.set(MONDAY_10.replace(minute=5))
    call_next(store, 3, clock.now())
    assert client.get(url, params={"format": "json"}).json()["ahead"] == 0
    call_next(store, 3, clock.now())
    called = client.get(url, params={"lang": "en"})
    assert "Please go to the window" in called.text and "Window 3" in called.text


def test_unknown_ticket_or_other_hall_is_404(store: HallStore, page) -> None:
    client, _clock = page
    take_ticket(store, "social-insurance", MONDAY_10)
    assert client.get("/queue/pinggu-district/2026-11-23/B999").status_code == 404
    assert client.get("/queue/xixia/2026-11-23/B001").status_code == 404
    assert client.get("/queue/pinggu-district/not-a-day/B001").status_code == 422


def test_progress_carries_no_name(store: HallStore) -> None:
    from kiosk.app.cli.queue import _identity

    result = take_ticket(
        store, "social-insurance", MONDAY_10, _identity("110101195001011239", "张三")
    )
    assert result.ticket is not None
    view = ticket_progress(store, result.ticket.number, MONDAY_10.date(), MONDAY_10)
    assert view is not None and view.name_masked is None and view.status == "waiting"


def test_queue_page_url_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.settings import SettingsError, settings_from

    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "k" * 40)
    url = "http://hall-server:8090"
    assert settings_from({"queue_page_url": url}, None).queue_page_url == url
    with pytest.raises(SettingsError, match="queue_page_url: expected an http"):
        settings_from({"queue_page_url": "hall-server:8090"}, None)
