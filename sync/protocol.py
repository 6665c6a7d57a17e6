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

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kiosk.domain.booking_rules import PLACE_HOLDING_STATUSES

API_PREFIX = "/api/v1"
MAX_BATCH = 500
MAX_PAGE = 1000

BookingId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
IdHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    SERVED = "served"
    FORFEITED = "forfeited"  # 视为自动放弃: the holder did not come in the slot
    CANCELLED = "cancelled"
    REJECTED = "rejected"  # an on-site booking from a kiosk that the central rules refused


#: Bookings that hold a place in their slot (capacity, one per person per slot): the rule of
#: ``kiosk.domain.booking_rules``, which the hall's store counts by too.
ACTIVE_STATUSES: tuple[BookingStatus, ...] = tuple(
    BookingStatus(status) for status in PLACE_HOLDING_STATUSES
)


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
    decided_at: datetime
    notify_by: datetime
    previous_slot_start: datetime | None = None


class BookingOut(_Wire):
    id: str
    hall: str
    service: str
    slot_start: datetime
    slot_end: datetime
    id_hash: str
    masked_name: str
    masked_phone: str | None
    channel: Channel
    status: BookingStatus
    materials_zh: list[str]
    materials_en: list[str]
    version: int
    change_seq: int
    created_at: datetime
    updated_at: datetime
    checked_in_at: datetime | None = None
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
    service: str = Field(min_length=1, max_length=64)
    slot_start: datetime
    channel: Channel
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=32, repr=False)
    phone: str = Field(min_length=5, max_length=24)


class CitizenCancel(_Wire):
    """Cancelled at the holder's request; the ID number proves it is the holder asking."""

    id_number: str = Field(min_length=1, max_length=32, repr=False)
    reason: str = Field(default="", max_length=200)


class HallCancel(_Wire):
    approver: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=200)


class HallChange(_Wire):
    approver: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=200)
    slot_start: datetime
    service: str | None = Field(default=None, max_length=64)


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
    for the daily report. Payloads by type:

    - ``booking_created``: ``booking_id``, ``service``, ``slot_start``, ``id_hash``,
      ``masked_name``, optional ``masked_phone``, ``channel`` (``on_site`` or ``kiosk``)
    - ``booking_checked_in`` / ``booking_forfeited`` / ``booking_served``: ``booking_id``
    - ``ticket_rated``: ``TicketRatedPayload`` (validated here, so a malformed rating is refused
      at the door)
    """

    idempotency_key: IdempotencyKey
    sequence: int = Field(ge=1)
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{2,31}$")]
    occurred_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_type(self) -> EventIn:
        known = {t.value for t in EventType}
        if self.type not in known and not self.type.startswith(TICKET_EVENT_PREFIX):
            raise ValueError(
                f"unknown event type {self.type!r}; known: {', '.join(sorted(known))}, ticket_*"
            )
        if self.type == TICKET_RATED:
            TicketRatedPayload.model_validate(self.payload)
        return self


class BookingCreatedPayload(_Wire):
    booking_id: BookingId
    service: str = Field(min_length=1, max_length=64)
    slot_start: datetime
    id_hash: IdHash
    masked_name: str = Field(min_length=1, max_length=64)
    masked_phone: str | None = Field(default=None, max_length=24)
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

    ticket_id: int = Field(ge=1)
    day: date
    number: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}[0-9]{3,6}$")]
    service: str = Field(min_length=1, max_length=64)
    window: int | None = Field(ge=1, le=999)
    clerk: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,16}$")] | None
    clerk_name: str | None = Field(default=None, max_length=32)
    level: RatingLevelName
    score: int = Field(ge=1, le=5)
    bad: bool
    reasons: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]] = Field(
        default_factory=list, max_length=10
    )
    reasons_zh: list[Annotated[str, StringConstraints(max_length=16)]] = Field(
        default_factory=list, max_length=10
    )
    comment: str | None = Field(default=None, max_length=200)
    channel: Literal["window_pad", "phone"]
    served_at: datetime
    rated_at: datetime

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
        if self.rated_at < self.served_at:
            raise ValueError("rated_at is before served_at")
        return self


class BookingRefPayload(_Wire):
    """``version`` is the booking's version the kiosk acted on, if it knows it: a lower version
    than the server's means the booking changed while the kiosk was offline (flagged, see
    docs/sync.md)."""

    booking_id: BookingId
    version: int | None = Field(default=None, ge=1)


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


class EventBatchResult(_Wire):
    """One result per event, in the batch's order; ``last_sequence`` is the highest sequence the
    server has taken from this device, so the client may drop every outbox entry up to it."""

    results: list[EventResult]
    last_sequence: int


class SlotOut(_Wire):
    start: datetime
    end: datetime
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


class ApiError(_Wire):
    error: str
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)
