"""A window's numbers of the day come from the tickets, the same on every console."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kiosk.services import (
    call_next,
    complete_service,
    no_show,
    start_service,
    take_ticket,
    transfer,
)
from kiosk.services.counts import window_counts
from kiosk.services.errors import UnknownWindow
from kiosk.store.hallstore import HallStore

T0 = datetime(2026, 11, 16, 9, 0)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_done_no_show_transferred_and_waiting_per_service(store: HallStore) -> None:
    for minute in range(5):
        take_ticket(store, "social-insurance", at(minute))
    take_ticket(store, "business-registration", at(5))
    empty = window_counts(store, 3, T0.date())
    assert (empty.done, empty.no_show, empty.transferred) == (0, 0, 0)
    assert empty.waiting == (("social-insurance", 5),) and empty.waiting_total == 5

    call_next(store, 3, at(10))
    start_service(store, 3, at(11))
    complete_service(store, 3, at(12))  # done at 3
    call_next(store, 3, at(13))
    no_show(store, 3, at(14))  # missed at 3
    call_next(store, 3, at(15))
    transfer(store, 3, "business-registration", at(16))  # sent on from 3
    call_next(store, 4, at(17))
    complete_service(store, 4, at(18))  # done at window 4: not window 3's

    three = window_counts(store, 3, T0.date())
    assert (three.done, three.no_show, three.transferred) == (1, 1, 1)
    assert three.waiting == (("social-insurance", 1),)
    two = window_counts(store, 2, T0.date())  # business registration and consultation
    assert two.waiting == (("business-registration", 2), ("consultation", 0))
    assert (two.done, two.no_show, two.transferred) == (0, 0, 0)
    four = window_counts(store, 4, T0.date())
    assert four.done == 1
    tomorrow = window_counts(store, 3, date(2026, 11, 17))
    assert (tomorrow.done, tomorrow.waiting_total) == (0, 0)


def test_unknown_window_is_a_typed_error(store: HallStore) -> None:
    with pytest.raises(UnknownWindow):
        window_counts(store, 99, T0.date())
