"""The demo's central store: created, seeded with the plan's bookings, and a token per device.

Bookings go through the central store's own case (``sync.server.bookings.create_booking``) with
the store's clock set to the instant each booking was made, so every booking passed the hall's
rules the way a phone or WeChat booking does, and reaches the hall store by the ordinary pull.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.app.demo.plan import DemoPlan, PlannedBooking
from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_halls


@dataclass(frozen=True)
class SeedResult:
    bookings: int
    booking_ids: dict[str, str]  # demo card stem → central booking id
    token: str


class SeedError(RuntimeError):
    """A planned booking was refused by the central store; the message names it."""


def seed_central(
    database_url: str, id_hash_key: bytes, hall_id: str, plan: DemoPlan, config_dir: Path | None
) -> SeedResult:
    """Create the central store at ``database_url``, make the plan's bookings, and a device
    token for the hall's kiosk (printed nowhere: it goes into the demo's device settings)."""
    from sync.protocol import BookingCreate, Channel
    from sync.server.app import open_central
    from sync.server.auth import add_device
    from sync.server.bookings import create_booking
    from sync.server.errors import CentralError
    from sync.server.settings import ServerSettings

    clock = FixedClock(datetime(2000, 1, 1))
    settings = ServerSettings(
        database_url=database_url,
        id_hash_key=id_hash_key,
        halls=load_halls(config_dir),
        calendar=load_calendar(config_dir),
        clock=clock,
    )
    central = open_central(settings)
    ids: dict[str, str] = {}
    try:
        with central.transaction() as session:
            for booking in sorted(plan.bookings, key=lambda b: b.made_at):
                clock.set(booking.made_at)
                request = BookingCreate(
                    service=booking.service,
                    slot_start=booking.slot_start,
                    channel=Channel(booking.channel),
                    name=booking.person.name,
                    id_number=booking.person.id_number,
                    phone=booking.person.phone,
                )
                try:
                    made, _created = create_booking(
                        session, settings, hall_id, request, created_by="demo"
                    )
                except CentralError as error:
                    raise SeedError(_describe(booking, error.message)) from None
                if booking.person.card is not None:
                    ids[booking.person.card] = made.id
            _device, token = add_device(session, hall_id, "demo-kiosk")
    finally:
        central.engine.dispose()
    return SeedResult(len(plan.bookings), ids, token)


def _describe(booking: PlannedBooking, message: str) -> str:
    return (
        f"the central store refused the demo booking of {booking.service} at "
        f"{booking.slot_start:%Y-%m-%d %H:%M} (made {booking.made_at:%Y-%m-%d %H:%M} by "
        f"{booking.channel}): {message}"
    )
