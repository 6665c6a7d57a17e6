"""The versioned JSON API (``/api/v1``) used by kiosks and booking integrations.

Every route names its hall in the path and needs a device token of that hall; a token of
another hall gets 403, a missing, unknown or revoked token 401.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel

from sync.protocol import (
    MAX_PAGE,
    BookingCreate,
    BookingOut,
    BookingPage,
    CitizenCancel,
    DailyReport,
    EventBatch,
    EventBatchResult,
    HallCancel,
    HallChange,
    SlotOut,
)
from sync.server import bookings as booking_cases
from sync.server.app import Central
from sync.server.auth import DevicePrincipal, authenticate_device
from sync.server.events import apply_batch, daily_report

router = APIRouter()


def _json(model: BaseModel) -> Response:
    """The model serialised once: the large answers (pulls, batches) are built as protocol
    models already, and FastAPI would validate them a second time (``response_model`` still
    documents them in the OpenAPI schema)."""
    return Response(model.model_dump_json(), media_type="application/json")


def central(request: Request) -> Central:
    return request.app.state.central  # type: ignore[no-any-return]


def device(
    hall: str,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> DevicePrincipal:
    with central(request).transaction() as session:
        principal = authenticate_device(session, authorization)
    principal.require_hall(hall)
    return principal


Device = Annotated[DevicePrincipal, Depends(device)]
Store = Annotated[Central, Depends(central)]
_ERRORS = {
    401: {"description": "no token, unknown token or revoked token"},
    403: {"description": "the token belongs to another hall"},
    422: {"description": "invalid request or a hall rule refuses it"},
}


@router.get("/health", tags=["service"])
def health() -> dict[str, str]:
    return {"status": "ok", "api": "v1"}


@router.get("/halls/{hall}/slots", response_model=list[SlotOut], responses=_ERRORS, tags=["slots"])
def slots(
    hall: str,
    principal: Device,
    store: Store,
    service: str,
    day: date,
    channel: str | None = None,
) -> list[SlotOut]:
    """The day's slots for an item with free places and whether they can be booked now."""
    settings = store.settings
    profile = booking_cases.hall_profile(settings, hall)
    item = booking_cases.hall_service(profile, service)
    with store.transaction() as session:
        return booking_cases.slots_of_day(session, settings, profile, item, day, channel)


@router.post(
    "/halls/{hall}/bookings",
    response_model=BookingOut,
    status_code=201,
    responses={**_ERRORS, 409: {"description": "slot full or person already booked"}},
    tags=["bookings"],
)
def create_booking(
    hall: str, request: BookingCreate, principal: Device, store: Store, response: Response
) -> BookingOut:
    """Make a booking through a channel under the hall's rules. The ID number is hashed with
    the halls' key and dropped; only the hash and masked name and phone are kept."""
    with store.transaction() as session:
        booking, created = booking_cases.create_booking(
            session, store.settings, hall, request, f"device:{principal.name}"
        )
        if not created:
            response.status_code = 200
        return booking_cases.booking_out(booking, store.settings.halls[hall])


@router.get(
    "/halls/{hall}/bookings", response_model=BookingPage, responses=_ERRORS, tags=["bookings"]
)
def pull_bookings(
    hall: str,
    principal: Device,
    store: Store,
    since: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 500,
    from_day: date | None = None,
) -> Response:
    """The hall's bookings changed after the cursor ``since``, oldest change first."""
    profile = booking_cases.hall_profile(store.settings, hall)
    with store.transaction() as session:
        page = booking_cases.changes_since(session, profile, since, limit, from_day)
    return _json(page)


@router.get(
    "/halls/{hall}/bookings/{booking_id}",
    response_model=BookingOut,
    responses=_ERRORS,
    tags=["bookings"],
)
def get_booking(hall: str, booking_id: str, principal: Device, store: Store) -> BookingOut:
    profile = booking_cases.hall_profile(store.settings, hall)
    with store.transaction() as session:
        return booking_cases.booking_out(
            booking_cases.get_booking(session, profile, booking_id), profile
        )


@router.post(
    "/halls/{hall}/bookings/{booking_id}/cancel",
    response_model=BookingOut,
    responses=_ERRORS,
    tags=["bookings"],
)
def cancel_by_citizen(
    hall: str, booking_id: str, request: CitizenCancel, principal: Device, store: Store
) -> BookingOut:
    """Cancelled at the holder's request, until the slot starts."""
    with store.transaction() as session:
        booking = booking_cases.cancel_by_citizen(
            session, store.settings, hall, booking_id, request
        )
        return booking_cases.booking_out(booking, store.settings.halls[hall])


@router.post(
    "/halls/{hall}/bookings/{booking_id}/hall-cancel",
    response_model=BookingOut,
    responses=_ERRORS,
    tags=["bookings"],
)
def cancel_by_hall(
    hall: str, booking_id: str, request: HallCancel, principal: Device, store: Store
) -> BookingOut:
    """Cancelled by the hall: needs the approver and must be decided before the slot's day;
    the booking's ``notice`` records that the applicant must be told."""
    with store.transaction() as session:
        booking = booking_cases.cancel_by_hall(session, store.settings, hall, booking_id, request)
        return booking_cases.booking_out(booking, store.settings.halls[hall])


@router.post(
    "/halls/{hall}/bookings/{booking_id}/hall-change",
    response_model=BookingOut,
    responses=_ERRORS,
    tags=["bookings"],
)
def change_by_hall(
    hall: str, booking_id: str, request: HallChange, principal: Device, store: Store
) -> BookingOut:
    """Moved by the hall to another slot: same approval and notice rules as a cancellation."""
    with store.transaction() as session:
        booking = booking_cases.change_by_hall(session, store.settings, hall, booking_id, request)
        return booking_cases.booking_out(booking, store.settings.halls[hall])


@router.post(
    "/halls/{hall}/events", response_model=EventBatchResult, responses=_ERRORS, tags=["sync"]
)
def push_events(hall: str, batch: EventBatch, principal: Device, store: Store) -> Response:
    """A batch of the hall's outbox, in order. Each idempotency key is applied once; a repeated
    key returns its first outcome with ``duplicate: true``."""
    with store.transaction() as session:
        result = apply_batch(session, store.settings, principal.device_id, batch)
    return _json(result)


@router.get(
    "/halls/{hall}/reports/daily", response_model=DailyReport, responses=_ERRORS, tags=["reports"]
)
def report(hall: str, day: date, principal: Device, store: Store) -> DailyReport:
    """Check-ins, no-shows (forfeited bookings) and ticket events of one day."""
    profile = booking_cases.hall_profile(store.settings, hall)
    with store.transaction() as session:
        return daily_report(session, profile, day)
