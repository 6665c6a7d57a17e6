"""Hall-store fixtures shared by the store, services and report tests (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kiosk.config import load_calendar, load_hall
from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.store.hallstore import HallStore

KEY = b"test-key-for-the-hall-store-0123456789"


@pytest.fixture(scope="session")
def calendar() -> HolidayCalendar:
    return load_calendar()


@pytest.fixture(scope="session")
def district() -> HallProfile:
    return load_hall("pinggu-district")


StoreFactory = Callable[..., HallStore]


@pytest.fixture
def make_store(
    database_url: str,
    calendar: HolidayCalendar,
    district: HallProfile,
) -> Iterator[StoreFactory]:
    """Open stores on the test database (several may share it, as a hall's machines do)."""
    opened: list[HallStore] = []

    def factory(hall: HallProfile | None = None, terminal: str = "kiosk-1") -> HallStore:
        store = HallStore.open(
            database_url, hall or district, calendar, KEY, terminal=terminal, migrate=False
        )
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: StoreFactory) -> HallStore:
    return make_store()
