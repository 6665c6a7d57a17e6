"""The wire format between the central booking store and the halls' sync clients.

Both sides import these models, so a field renamed on one side is a test failure, not a silent
mismatch in a hall. Design points the client relies on:

- Times are hall-local wall time without an offset (``2026-11-28T09:00:00``), the words the
  rules are written in; the hall store keeps them the same way.
- ``change_seq`` is the pull cursor: every change to a booking takes the next number of its
  hall's counter inside the same transaction, and writers of one hall are serialised on that
  counter row, so a number is never committed after a larger one. A client asks for
  ``since=<the last change_seq it stored>`` and never misses or re-reads a change.
- Events carry the client's ``idempotency_key`` and a per-device increasing ``sequence``. The
  server applies each key once; a batch re-sent after a lost reply gets the original outcomes
  back with ``duplicate = true``.
- No plain ID number ever leaves the server: a booking carries the keyed hash of the holder's
  number (``id_hash``) and masked name and phone.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from kiosk.domain.identity import contains_id_number
from kiosk.domain.statuses import PLACE_HOLDING
from kiosk.domain.statuses import BookingStatus as BookingStatus

API_PREFIX = "/api/v1"
MAX_BATCH = 500
#: A batch of events the client sends is at most this much JSON (the store takes 2 MiB).
MAX_BATCH_BYTES = 1024 * 1024
MAX_PAGE = 1000
#: The largest number a BIGINT column holds: cursors, sequences and counters stay below it.
MAX_NUMBER = 2**63 - 1
#: Dates and times the protocol takes: wide enough for any booking, narrow enough that a day or
#: a slot plus or minus a few days never leaves what ``datetime`` can represent.
FIRST_YEAR, LAST_YEAR = 2000, 2099
#: A ``ticket_*`` event's payload, as JSON, at most this many bytes.
MAX_PAYLOAD_BYTES = 2048
#: How far a device's clock may run ahead of the server's, and how old an event may be when
#: it arrives: ``occurred_at`` outside these bounds is refused (``docs/sync.md``).
MAX_CLOCK_AHEAD = timedelta(minutes=5)
MAX_EVENT_AGE = timedelta(days=7)

BOOKING_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
BookingId = Annotated[str, StringConstraints(pattern=BOOKING_ID_PATTERN)]
IdHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
TicketNumber = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,16}$")]

_DAY = r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"


def _in_years(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be in the years {FIRST_YEAR}-{LAST_YEAR}")


_Moment = TypeVar("_Moment", bound=date)


def _iso(value: Any, kind: type[_Moment], example: str, longest: int) -> _Moment:
    """An ISO date or date-time string (or, from Python, the object itself) in the protocol's
    years; the message shows the shape wanted, never the value."""
    parsed: _Moment
    if isinstance(value, kind) and (kind is datetime or not isinstance(value, datetime)):
        parsed = value
    elif isinstance(value, str) and len(value) <= longest:
        try:
            parsed = kind.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be like {example}") from None
    else:
        raise ValueError(f"must be a string like {example}")
    _in_years(parsed)
    return parsed


def _time_in(value: Any) -> datetime:
    return _iso(value, datetime, "2026-11-28T09:00:00", 40)


def _day_in(value: Any) -> date:
    return _iso(value, date, "2026-11-28", 10)


#: Hall-local wall time as the server sends it: no offset (not RFC 3339 ``date-time``).
WallTime = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_DAY}T{_TIME}$",
            "description": "hall-local wall time without an offset",
            "example": "2026-11-28T09:00:00",
        }
    ),
]
#: A time sent to the server: hall-local wall time, or with an offset (converted to the hall's
#: timezone), in the years FIRST_YEAR-LAST_YEAR.
TimeIn = Annotated[
    datetime,
    BeforeValidator(_time_in),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_DAY}[T ]{_TIME}{_OFFSET}?$",
            "description": "hall-local wall time; with an offset it is converted to hall time",
            "example": "2026-11-28T09:00:00",
        }
    ),
]
Day = Annotated[
    date,
    BeforeValidator(_day_in),
    WithJsonSchema({"type": "string", "pattern": f"^{_DAY}$", "example": "2026-11-28"}),
]


def _plain(value: str) -> str:
    """Text a person typed: no control characters (PostgreSQL refuses NUL, and no page needs
    them) and never an ID number, which belongs only in ``id_number`` fields."""
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError("must not contain control characters")
    if contains_id_number(value):
        raise ValueError("must not contain an ID number")
    return value


@dataclass(frozen=True)
class FreeText(GroupedMetadata):
    """A free-text field of at most ``max_length`` characters, checked by ``_plain``:
    ``Annotated[str, FreeText(64, 1)]`` (metadata, so that a type checker reads the field as str).
    """

    max_length: int
    min_length: int = 0

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(_plain)


ServiceId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"), AfterValidator(_plain)
]


def _id_number_text(value: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError("must not contain control characters")
    return value


#: Where a plain ID number is sent (to be checked, hashed and dropped at once).
IdNumberText = Annotated[
    str, StringConstraints(min_length=1, max_length=32), AfterValidator(_id_number_text)
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: A holder's fields as the hall store names them and as the wire and the central store do.
#: The two stores' columns were named apart before there was a wire protocol; renaming either
#: needs a migration on every deployed store for no change in behaviour, so the translation is
#: written here once (used by ``sync.client``; pinned by tests/sync/test_field_names.py).
HALL_TO_WIRE_HOLDER: dict[str, str] = {
    "holder_hash": "id_hash",
    "name_masked": "masked_name",
    "phone_masked": "masked_phone",
}


#: Bookings that hold a place in their slot (capacity, one per person per slot): the domain's
#: rule, which the hall's store counts by too and the central store's partial index is built on.
ACTIVE_STATUSES: tuple[BookingStatus, ...] = PLACE_HOLDING


class Channel(StrEnum):
    PHONE = "phone"
    ONLINE = "online"
    ON_SITE = "on_site"
    KIOSK = "kiosk"


class CancelledBy(StrEnum):
    CITIZEN = "citizen"
    HALL = "hall"


class HallNotice(_Wire):
    """A hall-side cancellation or change: approved by the management office, and the applicant
    must be told by ``notify_by`` (the day before the slot)."""

    kind: Literal["cancelled", "changed"]
    approver: str
    reason: str
    decided_at: WallTime
    notify_by: WallTime
    previous_slot_start: WallTime | None = None


class BookingOut(_Wire):
    id: str
    hall: str
    service: str
    slot_start: WallTime
    slot_end: WallTime
    id_hash: str
    masked_name: str
    masked_phone: str | None
    channel: Channel
    status: BookingStatus
    materials_zh: list[str]
    materials_en: list[str]
    version: int
    change_seq: int
    created_at: WallTime
    updated_at: WallTime
    checked_in_at: WallTime | None = None
    cancelled_by: CancelledBy | None = None
    reject_reason: str | None = None
    reject_message: str | None = None
    notice: HallNotice | None = None
    conflict: str | None = None


class BookingPage(_Wire):
    """One page of a hall's changes: store ``cursor`` and ask again while ``has_more``."""

    hall: str
    bookings: list[BookingOut]
    cursor: int
    has_more: bool


class BookingCreate(_Wire):
    """A booking taken by phone, online, at the volunteer desk or at a kiosk.

    ``id`` is optional: a caller that may retry (a WeChat back end, a kiosk) picks it, and a retry
    with the same ``id`` and the same holder and slot returns the booking already made.
    """

    id: BookingId | None = None
    service: ServiceId
    slot_start: TimeIn
    channel: Channel
    name: Annotated[str, FreeText(64, 1)]
    id_number: IdNumberText = Field(repr=False)
    phone: Annotated[str, FreeText(24, 5)]


class CitizenCancel(_Wire):
    """Cancelled at the holder's request; the ID number proves it is the holder asking."""

    id_number: IdNumberText = Field(repr=False)
    reason: Annotated[str, FreeText(200)] = ""


class HallCancel(_Wire):
    approver: Annotated[str, FreeText(64, 1)]
    reason: Annotated[str, FreeText(200, 1)]


class HallChange(_Wire):
    approver: Annotated[str, FreeText(64, 1)]
    reason: Annotated[str, FreeText(200, 1)]
    slot_start: TimeIn
    service: ServiceId | None = None


class EventType(StrEnum):
    BOOKING_CREATED = "booking_created"
    BOOKING_CHECKED_IN = "booking_checked_in"
    BOOKING_FORFEITED = "booking_forfeited"
    BOOKING_SERVED = "booking_served"


TICKET_EVENT_PREFIX = "ticket_"
#: A citizen's 好差评 of one service; its payload is ``TicketRatedPayload``.
TICKET_RATED = "ticket_rated"


class EventIn(_Wire):
    """One entry of a hall's outbox.

    ``type`` is a booking event the server applies, or any ``ticket_*`` event, which it records
    for the daily report. The envelope is checked for the whole batch (a bad one refuses the
    batch: the client's bug); the payload is checked per event against its type's schema, and
    a payload that fails, or a type the server does not know, is that event's ``rejected``
    outcome, so it never holds up the events after it. Payloads by type:

    - ``booking_created``: ``booking_id``, ``service``, ``slot_start``, ``id_hash``,
      ``masked_name``, optional ``masked_phone``, ``channel`` (``on_site`` or ``kiosk``)
    - ``booking_checked_in`` / ``booking_forfeited`` / ``booking_served``: ``booking_id``
      (and ``version`` for a check-in)
    - ``ticket_rated``: ``TicketRatedPayload``
    - any other ``ticket_*``: ``TicketPayload``
    """

    idempotency_key: IdempotencyKey
    sequence: int = Field(ge=1, le=MAX_NUMBER)
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{2,31}$")]
    occurred_at: TimeIn
    payload: dict[str, Any] = Field(default_factory=dict)


MASKED_PHONE = re.compile(r"^[0-9]{0,3}\*+[0-9]{0,4}$")


def _masked_name(value: str) -> str:
    """A masked name as ``mask_name`` makes it (张*三, 张*, S**** J***): the plain name never
    leaves the kiosk."""
    if "*" not in value and len(value) > 1:
        raise ValueError("must be masked (张*三)")
    return value


def _masked_phone(value: str) -> str:
    if not MASKED_PHONE.fullmatch(value):
        raise ValueError("must be masked (138****5678)")
    return value


class BookingCreatedPayload(_Wire):
    booking_id: BookingId
    service: ServiceId
    slot_start: TimeIn
    id_hash: IdHash
    masked_name: Annotated[str, FreeText(64, 1), AfterValidator(_masked_name)]
    masked_phone: (
        Annotated[str, StringConstraints(max_length=24), AfterValidator(_masked_phone)] | None
    ) = None
    channel: Literal["on_site", "kiosk"]


RatingLevelName = Literal[
    "very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"
]
#: Score of each level (5 = 非常满意 … 1 = 非常不满意); the last two are 差评.
RATING_SCORES: dict[str, int] = {
    "very_satisfied": 5,
    "satisfied": 4,
    "basically_satisfied": 3,
    "dissatisfied": 2,
    "very_dissatisfied": 1,
}
_ID_NUMBER_LIKE = re.compile(r"[0-9]{17}[0-9Xx]|(?<![0-9])[0-9]{15}(?![0-9])")


class TicketRatedPayload(_Wire):
    """A citizen's 好差评 of one service at a hall (``ticket_rated``), one per ticket.

    The hall is the sending device's hall. ``clerk`` is the clerk's 工号 (staff number) and
    ``clerk_name`` their name as the hall file lists it; neither the citizen's name nor any
    ID number is carried, and a ``comment`` holding something shaped like an ID number is
    refused (the hall masks one before it is stored). ``reasons`` are the ids of the hall
    profile's ``[rating].reasons`` (``reasons_zh`` their words then), given only with a 差评.
    A 差评 (``bad``) starts the central follow-up (回访 → 整改 → 反馈) from ``rated_at``.
    """

    ticket_id: int = Field(ge=1, le=MAX_NUMBER)
    day: Day
    number: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}[0-9]{3,6}$")]
    service: ServiceId
    window: int | None = Field(ge=1, le=999)
    clerk: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,16}$")] | None
    clerk_name: Annotated[str, FreeText(32)] | None = None
    level: RatingLevelName
    score: int = Field(ge=1, le=5)
    bad: bool
    reasons: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]] = Field(
        default_factory=list, max_length=10
    )
    reasons_zh: list[Annotated[str, FreeText(16)]] = Field(default_factory=list, max_length=10)
    comment: Annotated[str, FreeText(200)] | None = None
    channel: Literal["window_pad", "phone"]
    served_at: TimeIn
    rated_at: TimeIn

    @model_validator(mode="after")
    def _consistent(self) -> TicketRatedPayload:
        if self.score != RATING_SCORES[self.level]:
            raise ValueError(f"score {self.score} does not match level {self.level!r}")
        if self.bad != (self.score <= 2):
            raise ValueError(f"bad must be {self.score <= 2} for level {self.level!r}")
        if self.reasons and not self.bad:
            raise ValueError("reasons are given only with a bad rating")
        if len(self.reasons) != len(set(self.reasons)):
            raise ValueError("reasons: a reason is repeated")
        if self.reasons_zh and len(self.reasons_zh) != len(self.reasons):
            raise ValueError("reasons_zh must name each reason")
        if self.comment is not None and _ID_NUMBER_LIKE.search(self.comment):
            raise ValueError("comment holds something shaped like an ID number")
        if (self.rated_at.tzinfo is None) != (self.served_at.tzinfo is None):
            raise ValueError("served_at and rated_at: both with an offset or neither")
        if self.rated_at < self.served_at:
            raise ValueError("rated_at is before served_at")
        return self


class BookingRefPayload(_Wire):
    """``version`` is the booking's version the kiosk acted on, if it knows it: a lower version
    than the server's means the booking changed while the kiosk was offline (flagged, see
    docs/sync.md)."""

    booking_id: BookingId
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


_EXTRA_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class TicketPayload(_Wire):
    """What a ``ticket_*`` event may carry (``kiosk.services.tickets`` and ``calling`` write
    these fields). A field not listed is taken if its name is ``lower_snake_case`` and its value
    a number, a boolean, null or a short code, so a kiosk newer than the server still reports;
    no value may be or hold an ID number."""

    model_config = ConfigDict(extra="allow")

    ticket_id: int = Field(ge=1, le=MAX_NUMBER)
    number: TicketNumber
    service: ServiceId
    day: Day | None = None
    window: int | None = Field(default=None, ge=0, le=100_000)
    kind: Code | None = None
    priority_group: Code | None = None
    queued_at: TimeIn | None = None
    booking: BookingId | None = None
    service_minutes: float | None = Field(default=None, ge=0, le=24 * 60)
    recall_until: TimeIn | None = None
    calls: int | None = Field(default=None, ge=0, le=10_000)
    queue_class: Code | None = None
    capped: bool | None = None
    to_ticket_id: int | None = Field(default=None, ge=1, le=MAX_NUMBER)
    to_number: TicketNumber | None = None
    to_service: ServiceId | None = None
    reason: Code | None = None

    @model_validator(mode="after")
    def _plain_extras(self) -> TicketPayload:
        for key, value in (self.model_extra or {}).items():
            if not _EXTRA_KEY.fullmatch(key):
                raise ValueError("field names are lower_snake_case, at most 32 characters")
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, int) and abs(value) <= MAX_NUMBER:
                continue
            if isinstance(value, float) and abs(value) < 1e15:
                continue
            if isinstance(value, str) and len(value) <= 64:
                _plain(value)
                continue
            raise ValueError(f"{key}: a number, a boolean, null or a text of at most 64 characters")
        return self


def parse_payload(kind: str, payload: dict[str, Any]) -> BaseModel:
    """The payload of an event of type ``kind`` checked against its schema; raises
    ``PayloadRefused`` with the reason and the fields at fault (never their values)."""
    model = PAYLOADS.get(kind)
    if model is None:
        if not kind.startswith(TICKET_EVENT_PREFIX):
            known = ", ".join(sorted(t.value for t in EventType))
            raise PayloadRefused("unknown_type", f"unknown event type; known: {known}, ticket_*")
        model = TicketPayload
        if len(json.dumps(payload, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES:
            raise PayloadRefused(
                "payload_too_large",
                f"a ticket event's payload is at most {MAX_PAYLOAD_BYTES} bytes",
            )
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        problems = [
            ".".join(["payload", *(str(part) for part in item["loc"])])
            + ": "
            + item["msg"].removeprefix("Value error, ")
            for item in error.errors(include_input=False, include_url=False)
        ]
        raise PayloadRefused("invalid_payload", "; ".join(problems)[:200]) from None


class PayloadRefused(ValueError):
    """An event's payload does not fit its type; ``reason`` is the outcome's reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class EventBatch(_Wire):
    """Outbox entries in the order they happened; ``sequence`` strictly increasing."""

    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _ordered(self) -> EventBatch:
        previous = 0
        keys: set[str] = set()
        for index, event in enumerate(self.events):
            if event.sequence <= previous:
                raise ValueError(
                    f"events[{index}].sequence: {event.sequence} is not greater than the "
                    f"previous event's {previous}; send the outbox in order"
                )
            if event.idempotency_key in keys:
                raise ValueError(f"events[{index}].idempotency_key: repeated within the batch")
            previous = event.sequence
            keys.add(event.idempotency_key)
        return self


class Outcome(StrEnum):
    APPLIED = "applied"  # the change was made (or, for ticket_*, recorded)
    IGNORED = "ignored"  # nothing to change: already in that state, or a rule says it loses
    REJECTED = "rejected"  # refused; ``reason`` and ``message`` say why


class EventResult(_Wire):
    idempotency_key: str
    sequence: int
    outcome: Outcome
    duplicate: bool = False
    reason: str | None = None
    message: str | None = None
    conflict: str | None = None
    booking: BookingOut | None = None


PAYLOADS: dict[str, type[BaseModel]] = {
    EventType.BOOKING_CREATED.value: BookingCreatedPayload,
    EventType.BOOKING_CHECKED_IN.value: BookingRefPayload,
    EventType.BOOKING_FORFEITED.value: BookingRefPayload,
    EventType.BOOKING_SERVED.value: BookingRefPayload,
    TICKET_RATED: TicketRatedPayload,
}


class EventBatchResult(_Wire):
    """One result per event, in the batch's order; ``last_sequence`` is the highest sequence the
    server has taken from this device, so the client may drop every outbox entry up to it."""

    results: list[EventResult]
    last_sequence: int


class SlotOut(_Wire):
    start: WallTime
    end: WallTime
    capacity: int
    booked: int
    free: int
    open: bool
    reason: str | None = None


class DailyServiceReport(_Wire):
    service: str
    booked: int
    checked_in: int
    served: int
    forfeited: int
    cancelled: int
    rejected: int


class DailyReport(_Wire):
    """Check-ins and no-shows (forfeited bookings) of one day, as the performance review uses."""

    hall: str
    day: date
    services: list[DailyServiceReport]
    checked_in: int
    forfeited: int
    conflicts: int
    ticket_events: dict[str, int]


FollowUpStageName = Literal["visit", "rectify", "feedback", "close", "closed"]
FollowUpStateName = Literal["open", "overdue", "closed"]


class FollowUpStepOut(_Wire):
    """A step recorded on a follow-up; its note and the person reached stay on the staff
    pages (``kiosk.domain.follow_up``)."""

    step: Literal["visit", "rectify", "feedback", "close"]
    recorded_at: WallTime


class FollowUpOut(_Wire):
    """The follow-up a 差评 opened: ``stage`` is the step it waits for (or ``closed``),
    ``state`` open, overdue or closed by the server's day. ``due`` is the 15th working day
    after the rating by the hall's calendar; ``deadline_basis`` ``estimated`` (a year without
    holiday data: weekdays stood in) or ``provisional`` says it may still move."""

    id: int
    hall: str
    ticket_id: int
    day: date
    number: str
    service: str
    window: int | None
    clerk: str | None
    level: RatingLevelName
    reasons: list[str]
    rated_at: WallTime
    stage: FollowUpStageName
    state: FollowUpStateName
    due: date
    deadline_basis: Literal["calendar", "provisional", "estimated"]
    closed_at: WallTime | None
    closed_late: bool
    steps: list[FollowUpStepOut]


#: The most items one ``GET …/follow-ups`` answers (``limit``'s ceiling and default).
FOLLOW_UP_LIST_MAX = 500


class FollowUpItems(RootModel[list[FollowUpOut]]):
    """The answer of ``GET /halls/{hall}/follow-ups``, as the hall's sync reads it."""


class RatingCounts(_Wire):
    """Ratings of a window, a clerk or the hall: 满意率 is satisfied over rated (unrated
    services do not count); ``bad`` 差评 split by their follow-ups' state."""

    window: int | None = None
    clerk: str | None = None
    clerk_name: str | None = None
    rated: int
    satisfied: int
    bad: int
    satisfaction: float | None
    follow_ups_open: int
    follow_ups_overdue: int
    follow_ups_closed: int


class RatingReport(_Wire):
    """好差评 of a hall over days ``from_day`` to ``to_day`` (inclusive), per window and per
    clerk (工号), with the state of each 差评's follow-up on ``as_of``."""

    hall: str
    from_day: date
    to_day: date
    as_of: date
    total: RatingCounts
    windows: list[RatingCounts]
    clerks: list[RatingCounts]


class ApiError(_Wire):
    error: str
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)
