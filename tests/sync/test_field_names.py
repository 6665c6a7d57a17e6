"""The one translation between the hall store's and the wire's (and central store's) names of a
holder's fields names real columns and fields on every side, so neither can drift alone."""

from __future__ import annotations

from kiosk.store.models import Booking as HallBooking
from sync.protocol import HALL_TO_WIRE_HOLDER, BookingOut
from sync.server.models import Booking as CentralBooking


def test_every_hall_name_and_wire_name_is_a_real_column_or_field() -> None:
    hall_columns = set(HallBooking.__table__.columns.keys())
    central_columns = set(CentralBooking.__table__.columns.keys())
    assert set(HALL_TO_WIRE_HOLDER) <= hall_columns
    assert set(HALL_TO_WIRE_HOLDER.values()) <= central_columns
    assert set(HALL_TO_WIRE_HOLDER.values()) <= set(BookingOut.model_fields)
    # what the two stores call alike needs no translation, and nothing else of a holder differs
    holder_like = {c for c in hall_columns - central_columns if "hash" in c or "masked" in c}
    assert holder_like == set(HALL_TO_WIRE_HOLDER)
