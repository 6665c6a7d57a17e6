"""The versioned JSON API (``/api/v1``) used by kiosks and booking integrations.

Every route names its hall in the path and needs a device token of that hall: the token is
checked by ``gate.Gate`` before the body is read (a token of another hall gets 403, a missing,
unknown or revoked token 401) and the device reaches the route as ``Device``. Every answer a
route can give is in the OpenAPI document, problems included (``problems.responses``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, TypeAdapter

from kiosk.domain.follow_up import FollowUpState
from sync.protocol import (
    BOOKING_ID_PATTERN,
    MAX_NUMBER,
    MAX_PAGE,
    BookingCreate,
    BookingOut,
    BookingPage,
    CitizenCancel,
    DailyReport,
    Day,
    EventBatch,
    EventBatchResult,
    FollowUpOut,
    HallCancel,
    HallChange,
    RatingReport,
    SlotOut,
)
from sync.server import bookings as booking_cases
from sync.server.app import Central
from sync.server.auth import DevicePrincipal
from sync.server.errors import Refused
from sync.server.events import apply_batch, daily_report
from sync.server.follow_ups import LIST_LIMIT, check_period, list_follow_ups, rating_report
from sync.server.problems import responses
from sync.server.pulls import Page, empty_page, read_page


def known_query_only(request: Request) -> None:
    """A query parameter the route does not take is refused (422), not silently ignored: a
    misspelt ``sinec=`` must not turn into a pull from 0."""
    route = request.scope.get("route")
    if route is None or not request.query_params:
        return
    unknown = sorted(set(request.query_params) - _query_names(route.dependant))
    if unknown:
        raise Refused(
            "invalid_request",
            "unknown query parameter(s): " + ", ".join(repr(name[:32]) for name in unknown[:5]),
            errors=[{"field": "query", "message": "not a parameter of this route"}],
        )


def _query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


router = APIRouter(dependencies=[Depends(known_query_only)])
_bearer = HTTPBearer(
    auto_error=False,
    description="the device token of the hall (`kiosk central add-device`)",
)


def _json(model: BaseModel) -> Response:
    """The model serialised once: the large answers (batches) are built as protocol models
    already, and FastAPI would validate them a second time (``response_model`` still
    documents them in the OpenAPI schema)."""
    return Response(model.model_dump_json(), media_type="application/json")


def central(request: Request) -> Central:
    found: Central = request.app.state.central  # Starlette's State holds untyped attributes
    return found


def device(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> DevicePrincipal:
    """The device the gate authenticated (the security parameter documents the scheme)."""
    principal: DevicePrincipal = request.state.device
    return principal


Device = Annotated[DevicePrincipal, Depends(device)]
Store = Annotated[Central, Depends(central)]
BookingIdPath = Annotated[str, Path(pattern=BOOKING_ID_PATTERN)]
_AUTH = (401, 403)
FollowUpList = TypeAdapter(list[FollowUpOut])


@router.get("/health", tags=["service"])
def health() -> dict[str, str]:
    return {"status": "ok", "api": "v1"}


@router.get(
    "/halls/{hall}/slots",
    response_model=list[SlotOut],
    responses=responses(*_AUTH, 404, 409, 422),
    tags=["slots"],
)
def slots(
    hall: str,
    principal: Device,
    store: Store,
    service: str,
    day: Annotated[Day, Query()],
    channel: Annotated[str | None, Query(max_length=32)] = None,
) -> list[SlotOut]:
    """The day's slots for an item with free places and whether they can be booked now."""
    settings = store.settings
    profile = booking_cases.hall_profile(settings, hall)
    item = booking_cases.hall_service(profile, service)
    with store.read_session() as session:
        return booking_cases.slots_of_day(session, settings, profile, item, day, channel)


@router.post(
    "/halls/{hall}/bookings",
    response_model=BookingOut,
    status_code=201,
    responses={
        **responses(400, *_AUTH, 404, 409, 413, 422),
        200: {"model": BookingOut, "description": "a retry with the same id: the booking made"},
    },
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


def _etag(cursor: int) -> str:
    return f'"{cursor}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in tags or "*" in tags


def _page_response(page: Page, since: int, if_none_match: str | None) -> Response:
    if page.has_more:
        return Response(page.json(), media_type="application/json")
    etag = _etag(page.cursor)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if not page.bookings and page.cursor == since and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(page.json(), media_type="application/json", headers=headers)


@router.get(
    "/halls/{hall}/bookings",
    response_model=BookingPage,
    responses={
        **responses(304, *_AUTH, 404, 409, 422),
        200: {
            "description": "a page of changes; the last page carries the ETag of its cursor",
            "headers": {"ETag": {"description": "the cursor", "schema": {"type": "string"}}},
        },
    },
    tags=["bookings"],
)
async def pull_bookings(
    hall: str,
    principal: Device,
    store: Store,
    since: Annotated[int, Query(ge=0, le=MAX_NUMBER)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 500,
    from_day: Annotated[Day | None, Query()] = None,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The hall's bookings changed after the cursor ``since``, oldest change first.

    When nothing changed since the cursor the answer is an empty page, or 304 with
    ``If-None-Match`` set to the last page's ETag; the server usually knows that without its
    database (PostgreSQL notifies every process of each commit). A cursor above the hall's
    last change number is 409 ``cursor_ahead`` with ``detail.head``: pull again from 0.
    """
    profile = booking_cases.hall_profile(store.settings, hall)
    head = store.heads.known(profile.id)
    if head is not None and since == head:
        return _page_response(empty_page(profile.id, head), since, if_none_match)

    def read() -> Page:
        with store.reading() as connection:
            return read_page(connection, profile, since, limit, from_day)

    page = await run_in_threadpool(read)
    return _page_response(page, since, if_none_match)


@router.get(
    "/halls/{hall}/bookings/{booking_id}",
    response_model=BookingOut,
    responses=responses(*_AUTH, 404, 422),
    tags=["bookings"],
)
def get_booking(
    hall: str, booking_id: BookingIdPath, principal: Device, store: Store
) -> BookingOut:
    profile = booking_cases.hall_profile(store.settings, hall)
    with store.read_session() as session:
        return booking_cases.booking_out(
            booking_cases.get_booking(session, profile, booking_id), profile
        )


@router.post(
    "/halls/{hall}/bookings/{booking_id}/cancel",
    response_model=BookingOut,
    responses=responses(400, *_AUTH, 404, 409, 413, 422),
    tags=["bookings"],
)
def cancel_by_citizen(
    hall: str, booking_id: BookingIdPath, request: CitizenCancel, principal: Device, store: Store
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
    responses=responses(400, *_AUTH, 404, 409, 413, 422),
    tags=["bookings"],
)
def cancel_by_hall(
    hall: str, booking_id: BookingIdPath, request: HallCancel, principal: Device, store: Store
) -> BookingOut:
    """Cancelled by the hall: needs the approver and must be decided before the slot's day;
    the booking's ``notice`` records that the applicant must be told."""
    with store.transaction() as session:
        booking = booking_cases.cancel_by_hall(session, store.settings, hall, booking_id, request)
        return booking_cases.booking_out(booking, store.settings.halls[hall])


@router.post(
    "/halls/{hall}/bookings/{booking_id}/hall-change",
    response_model=BookingOut,
    responses=responses(400, *_AUTH, 404, 409, 413, 422),
    tags=["bookings"],
)
def change_by_hall(
    hall: str, booking_id: BookingIdPath, request: HallChange, principal: Device, store: Store
) -> BookingOut:
    """Moved by the hall to another slot: same approval and notice rules as a cancellation."""
    with store.transaction() as session:
        booking = booking_cases.change_by_hall(session, store.settings, hall, booking_id, request)
        return booking_cases.booking_out(booking, store.settings.halls[hall])


@router.post(
    "/halls/{hall}/events",
    response_model=EventBatchResult,
    responses=responses(400, *_AUTH, 413, 422),
    tags=["sync"],
)
def push_events(hall: str, batch: EventBatch, principal: Device, store: Store) -> Response:
    """A batch of the hall's outbox, in order. Each idempotency key is applied once; a repeated
    key returns its first outcome with ``duplicate: true``. An event whose payload does not
    fit its type is that event's ``rejected`` outcome; the batch goes on."""
    with store.transaction() as session:
        result = apply_batch(session, store.settings, principal.device_id, batch)
    return _json(result)


@router.get(
    "/halls/{hall}/reports/daily",
    response_model=DailyReport,
    responses=responses(*_AUTH, 404, 422),
    tags=["reports"],
)
def report(hall: str, day: Annotated[Day, Query()], principal: Device, store: Store) -> DailyReport:
    """Check-ins, no-shows (forfeited bookings) and ticket events of one day."""
    profile = booking_cases.hall_profile(store.settings, hall)
    with store.read_session() as session:
        return daily_report(session, profile, day)


@router.get(
    "/halls/{hall}/follow-ups",
    response_model=list[FollowUpOut],
    responses=responses(*_AUTH, 404, 422),
    tags=["ratings"],
)
def follow_ups(
    hall: str,
    principal: Device,
    store: Store,
    state: Annotated[FollowUpState | None, Query()] = None,
    from_day: Annotated[Day | None, Query()] = None,
    to_day: Annotated[Day | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = LIST_LIMIT,
) -> Response:
    """The follow-ups of the hall's 差评 (rated from ``from_day`` to ``to_day``): overdue
    first, then open, then closed, oldest first within each. Stage, state and deadline only:
    the notes and the person reached stay on the staff pages."""
    profile = booking_cases.hall_profile(store.settings, hall)
    with store.read_session() as session:
        views = list_follow_ups(
            session, store.settings, [profile.id], state, from_day, to_day, limit
        )
        body = FollowUpList.dump_json([view.out() for view in views])
    return Response(body, media_type="application/json")


@router.get(
    "/halls/{hall}/reports/ratings",
    response_model=RatingReport,
    responses=responses(*_AUTH, 404, 422),
    tags=["reports", "ratings"],
)
def ratings_report(
    hall: str,
    from_day: Annotated[Day, Query()],
    to_day: Annotated[Day, Query()],
    principal: Device,
    store: Store,
) -> RatingReport:
    """好差评 of the days per window and per clerk: rated, satisfied (满意率), 差评 and the
    state of their follow-ups today (open, overdue, closed)."""
    profile = booking_cases.hall_profile(store.settings, hall)
    check_period(from_day, to_day)
    with store.read_session() as session:
        return rating_report(session, store.settings, profile, from_day, to_day)
