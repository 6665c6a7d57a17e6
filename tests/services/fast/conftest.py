"""The fast tier's store: in memory, one per test (no database fixture is used here)."""

from __future__ import annotations

import pytest

from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from tests.hall_fixtures import KEY
from tests.services.fast.fakes import FakeStore


@pytest.fixture
def store(district: HallProfile, calendar: HolidayCalendar) -> FakeStore:
    return FakeStore(district, calendar, KEY)
