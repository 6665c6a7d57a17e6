from __future__ import annotations

import pytest

from kiosk.config import load_calendar, load_halls
from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile


@pytest.fixture(scope="session")
def halls() -> dict[str, HallProfile]:
    return load_halls()


@pytest.fixture(scope="session")
def calendar() -> HolidayCalendar:
    return load_calendar()
