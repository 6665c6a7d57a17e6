"""Getting a ticket: a walk-in at the kiosk, or a booking holder checking in with the ID card.

Each use case is one store transaction that issues the ticket, takes its serial and records its
event together; a crash anywhere before commit leaves neither a ticket nor a used number.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from kiosk.domain import queue_policy
from kiosk.domain.booking_rules import CheckInTiming, check_in_window
from kiosk.domain.hall import Acceptance, HallProfile, Service
from kiosk.domain.identity import Identity, age_on
from kiosk.domain.links import make_token
from kiosk.domain.schedule import WalkInDecision, materials_only_at, walk_in_decision
from kiosk.domain.statuses import BookingStatus, TicketKind, TicketStatus, WindowState
from kiosk.domain.wait import estimate_wait
from kiosk.i18n import _
from kiosk.messages import describe_walk_in, format_slot, format_when
from kiosk.ports.hall_store import BookingRow, Store, TicketRecord, UnitOfWork
from kiosk.services.errors import UnknownService
from kiosk.services.views import BookingView, TicketView, booking_view, ticket_view

ELDERLY = "elderly"


def service_of(store: Store, service_id: str) -> Service:
    try:
        return store.hall.service(service_id)
    except KeyError:
        raise UnknownService(service_id, [s.id for s in store.hall.services]) from None


def priority_group(store: Store, identity: Identity | None, now: datetime) -> str | None:
    """The priority group a card puts its holder in (today: 70 or older, configurable)."""
    if identity is None:
        return None
    if age_on(identity, now.date()) >= store.hall.queue.priority_age:
        return ELDERLY
    return None


def issue(
    uow: UnitOfWork,
    store: Store,
    service: Service,
    now: datetime,
    *,
    kind: TicketKind,
    queued_at: datetime | None = None,
    priority: str | None = None,
    holder_hash: str | None = None,
    name_masked: str | None = None,
    booking: BookingRow | None = None,
    transferred_from: int | None = None,
    arrival: int | None = None,
    materials_only: bool = False,
) -> TicketRecord:
    """Insert a waiting ticket with the next serial of its prefix (caller records the event)."""
    day = now.date()
    serial = uow.tickets.next_serial(day, service.prefix)
    return uow.tickets.add(
        {
            "hall_id": store.hall.id,
            "day": day,
            "prefix": service.prefix,
            "serial": serial,
            "number": f"{service.prefix}{serial:03d}",
            "service_id": service.id,
            "kind": kind.value,
            "priority_group": priority,
            "status": TicketStatus.WAITING.value,
            "queued_at": queued_at or now,
            "issued_at": now,
            "called_at": None,
            "started_at": None,
            "finished_at": None,
            "missed_at": None,
            "window": None,
            "calls": 0,
            "booking_id": booking.id if booking is not None else None,
            "slot_start": booking.slot_start if booking is not None else None,
            "holder_hash": holder_hash,
            "name_masked": name_masked,
            "transferred_from": transferred_from,
            "arrival": arrival,
            "materials_only": materials_only,
            "clerk": None,
        },
    )


def with_link(store: Store, view: TicketView) -> TicketView:
    """The view with its phone-page token, for the ticket's QR code (the person's own)."""
    token = make_token(store.link_key, store.hall.id, view.day, view.id, view.number)
    return replace(view, link_token=token)


def candidate(ticket: TicketRecord) -> queue_policy.Candidate:
    return queue_policy.Candidate(
        ticket_id=ticket.id,
        service_id=ticket.service_id,
        queued_at=ticket.queued_at,
        booked=ticket.kind == TicketKind.BOOKED.value,
        slot_start=ticket.slot_start,
        priority_group=ticket.priority_group,
        arrival=ticket.arrival,
    )


def wait_for(uow: UnitOfWork, store: Store, ticket: TicketRecord, now: datetime) -> tuple[int, int]:
    """People ahead of a waiting ticket and the estimated minutes until it is called."""
    service = store.hall.service(ticket.service_id)
    waiting = uow.tickets.waiting(ticket.day, [service.id])
    ahead = queue_policy.ahead_of(candidate(ticket), waiting, now)
    history = store.hall.queue.wait_history
    recent = uow.tickets.recent_service_minutes(service.id, history)
    windows = open_windows_for(uow, store.hall, service.id)
    estimate = estimate_wait(ahead, recent, service.service_minutes, windows, history)
    return estimate.ahead, estimate.minutes


def open_windows_for(uow: UnitOfWork, hall: HallProfile, service_id: str) -> int:
    """Windows serving ``service_id`` that are open (a window never used yet counts as open)."""
    states = uow.windows.states()
    return sum(
        1
        for window in hall.windows
        if service_id in window.services
        and (window.number not in states or states[window.number].state == WindowState.OPEN)
    )


def issued_payload(ticket: TicketRecord, booking: BookingRow | None = None) -> dict[str, object]:
    payload: dict[str, object] = {
        "ticket_id": ticket.id,
        "day": ticket.day.isoformat(),
        "number": ticket.number,
        "service": ticket.service_id,
        "kind": ticket.kind,
        "priority_group": ticket.priority_group,
        "queued_at": ticket.queued_at.isoformat(timespec="seconds"),
    }
    if booking is not None:
        payload["booking"] = booking.central_id
    return payload


# --- walk-in -------------------------------------------------------------------------------


class TicketRefusal(StrEnum):
    """Why no walk-in ticket was issued: the schedule's reasons plus the one-ticket rule."""

    ALREADY_WAITING = "already_waiting"


@dataclass(frozen=True)
class TakeTicketResult:
    ticket: TicketView | None
    message: str
    reason: str | None = None
    decision: WalkInDecision | None = None
    existing: TicketView | None = None
    """For ``already_waiting``: the ticket the person already holds."""

    @property
    def issued(self) -> bool:
        return self.ticket is not None


class _AlreadyWaiting(Exception):
    def __init__(self, ticket: TicketView) -> None:
        self.ticket = ticket


def take_ticket(
    store: Store, service_id: str, now: datetime, identity: Identity | None = None
) -> TakeTicketResult:
    """A walk-in ticket, when the hall's schedule admits walk-ins for the service now.

    A card tapped with the request puts the holder in a priority group by age and stops one
    person from holding two open tickets for the same service.
    """
    hall = store.hall
    service = service_of(store, service_id)
    decision = walk_in_decision(hall, service, now, store.calendar)
    if not decision.allowed:
        reason = decision.reason.value if decision.reason else None
        return TakeTicketResult(None, describe_walk_in(decision), reason, decision)
    holder = store.holder_hash(identity.id_number) if identity is not None else None
    priority = priority_group(store, identity, now)
    try:
        with store.unit(at=now) as uow:
            ticket = issue(
                uow,
                store,
                service,
                now,
                kind=TicketKind.WALK_IN,
                priority=priority,
                holder_hash=holder,
                name_masked=identity.masked_name if identity is not None else None,
                materials_only=decision.acceptance is Acceptance.MATERIALS_ONLY,
            )
            if holder is not None:
                # Checked after the serial is taken: the counter row lock serialises concurrent
                # issuers of this service, so two kiosks cannot both pass the check.
                other = uow.tickets.holder_open(
                    ticket.day, service.id, holder, other_than=ticket.id
                )
                if other is not None:
                    raise _AlreadyWaiting(ticket_view(hall, other, reprint=True))
            ahead, minutes = wait_for(uow, store, ticket, now)
            uow.events.add("ticket_issued", now, issued_payload(ticket), store.terminal)
            view = with_link(store, ticket_view(hall, ticket, ahead=ahead, wait_minutes=minutes))
    except _AlreadyWaiting as already:
        message = _("您已持有 {number} 号（{service}），请耐心等候叫号。").format(
            number=already.ticket.number, service=already.ticket.service_name_zh
        )
        return TakeTicketResult(
            None, message, TicketRefusal.ALREADY_WAITING.value, decision, already.ticket
        )
    message = describe_walk_in(decision)
    return TakeTicketResult(view, message, None, decision)


def walk_in_ticket_of(store: Store, identity: Identity, now: datetime) -> TicketView | None:
    """The walk-in ticket a card's holder took today and still waits with (a card tapped
    again at the kiosk shows and reprints it; a ticket taken without a card has no holder)."""
    holder = store.holder_hash(identity.id_number)
    with store.read_unit() as uow:
        ticket = uow.tickets.holder_walk_in(now.date(), holder)
        if ticket is None:
            return None
        ahead = minutes = None
        if ticket.status == TicketStatus.WAITING.value:
            ahead, minutes = wait_for(uow, store, ticket, now)
        return ticket_view(store.hall, ticket, ahead=ahead, wait_minutes=minutes, reprint=True)


# --- check-in --------------------------------------------------------------------------------


class CheckInOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    OTHER_HALL = "other_hall"
    CANCELLED = "cancelled"
    ALREADY_CHECKED_IN = "already_checked_in"
    NO_BOOKING = "no_booking"


@dataclass(frozen=True)
class CheckInResult:
    outcome: CheckInOutcome
    message: str
    ticket: TicketView | None = None
    booking: BookingView | None = None
    come_back_at: datetime | None = None
    walk_in: WalkInDecision | None = field(default=None, repr=False)

    @property
    def walk_in_possible(self) -> bool:
        return self.walk_in is not None and self.walk_in.allowed


def check_in(store: Store, identity: Identity, now: datetime) -> CheckInResult:
    """Find the holder's booking for today in this hall and turn it into a booked ticket.

    The same card tapped twice gets the same ticket again, never a second one.
    """
    hall = store.hall
    holder = store.holder_hash(identity.id_number)
    today = now.date()
    with store.unit(at=now) as uow:
        bookings = uow.bookings.of_holder(holder, for_update=True)
        here = [b for b in bookings if b.hall_id == hall.id and b.slot_start.date() == today]
        result = _already_checked_in(uow, store, here, now)
        if result is not None:
            return result
        booked = [b for b in here if b.status == BookingStatus.BOOKED.value]
        timings = [(b, check_in_window(hall, b.slot_start, b.slot_end).timing(now)) for b in booked]
        on_time = [b for b, timing in timings if timing is CheckInTiming.ON_TIME]
        if on_time:
            return _check_in(uow, store, on_time[0], identity, holder, now)
        early = [b for b, timing in timings if timing is CheckInTiming.TOO_EARLY]
        if early:
            booking = early[0]
            opens = check_in_window(hall, booking.slot_start, booking.slot_end).opens
            message = _("您预约的是{slot}，请于{when}后再来签到。").format(
                slot=_slot_text(booking, today), when=format_when(opens, today)
            )
            return CheckInResult(
                CheckInOutcome.TOO_EARLY, message, None, booking_view(booking), opens
            )
        late = [b for b, timing in timings if timing is CheckInTiming.TOO_LATE]
        for booking in late:
            forfeit(uow, store, booking, now)
        given_up = late or [b for b in here if b.status == BookingStatus.FORFEITED.value]
        if given_up:
            return _too_late(store, given_up[-1], now)
        cancelled = [b for b in here if b.status == BookingStatus.CANCELLED.value]
        if cancelled:
            message = _("您今天{slot}的预约已取消。如需办理，可现场取号或重新预约。").format(
                slot=_slot_text(cancelled[-1], today)
            )
            return CheckInResult(
                CheckInOutcome.CANCELLED, message, None, booking_view(cancelled[-1])
            )
        elsewhere = [
            b
            for b in bookings
            if b.status == BookingStatus.BOOKED.value
            and b.slot_end > now
            and not (b.hall_id == hall.id and b.slot_start.date() == today)
        ]
        if elsewhere:
            return _other_hall(store, elsewhere[0], today)
    message = _("未找到您今天在本中心的预约。您可以现场取号，或预约其他时段。")
    return CheckInResult(CheckInOutcome.NO_BOOKING, message)


def _slot_text(booking: BookingRow, today: date) -> str:
    return format_slot(booking.slot_start, booking.slot_end, today)


def _already_checked_in(
    uow: UnitOfWork, store: Store, here: list[BookingRow], now: datetime
) -> CheckInResult | None:
    hall = store.hall
    for booking in here:
        if booking.status not in (BookingStatus.CHECKED_IN.value, BookingStatus.SERVED.value):
            continue
        ticket = uow.tickets.of_booking(booking.id)
        if ticket is None:
            continue
        ahead = minutes = None
        if ticket.status == TicketStatus.WAITING.value:
            ahead, minutes = wait_for(uow, store, ticket, now)
        view = ticket_view(
            hall, ticket, ahead=ahead, wait_minutes=minutes, booking=booking, reprint=True
        )
        view = with_link(store, view)
        if booking.status == BookingStatus.SERVED.value:
            message = _("您今天的预约已办理完毕（{number} 号）。").format(number=ticket.number)
        else:
            message = _("您已签到，号码为 {number}，请留意叫号。").format(number=ticket.number)
        return CheckInResult(
            CheckInOutcome.ALREADY_CHECKED_IN, message, view, booking_view(booking)
        )
    return None


def _check_in(
    uow: UnitOfWork,
    store: Store,
    booking: BookingRow,
    identity: Identity,
    holder: str,
    now: datetime,
) -> CheckInResult:
    hall = store.hall
    try:
        service = hall.service(booking.service_id)
    except KeyError:
        raise UnknownService(booking.service_id, [s.id for s in hall.services]) from None
    ticket = issue(
        uow,
        store,
        service,
        now,
        kind=TicketKind.BOOKED,
        priority=priority_group(store, identity, now),
        holder_hash=holder,
        name_masked=booking.name_masked or identity.masked_name,
        booking=booking,
        # served in its slot: what that period accepts of the item, even when checked in early
        materials_only=materials_only_at(
            hall, service, max(now, booking.slot_start), store.calendar
        ),
    )
    uow.bookings.update(
        booking, status=BookingStatus.CHECKED_IN.value, checked_in_at=now, updated_at=now
    )
    ahead, minutes = wait_for(uow, store, ticket, now)
    uow.events.add("ticket_issued", now, issued_payload(ticket, booking), store.terminal)
    uow.events.add(
        "booking_checked_in",
        now,
        {"booking": booking.central_id, "ticket_id": ticket.id, "number": ticket.number},
        store.terminal,
    )
    view = with_link(
        store, ticket_view(hall, ticket, ahead=ahead, wait_minutes=minutes, booking=booking)
    )
    message = _("签到成功，您的号码是 {number}。").format(number=ticket.number)
    if booking.slot_start > now:
        message += _("预约时段开始后将优先叫号。")
    return CheckInResult(CheckInOutcome.CHECKED_IN, message, view, booking_view(booking))


def forfeit(uow: UnitOfWork, store: Store, booking: BookingRow, now: datetime) -> None:
    """The holder did not come in the agreed slot: the booking counts as given up."""
    uow.bookings.update(booking, status=BookingStatus.FORFEITED.value, updated_at=now)
    uow.events.add(
        "booking_forfeited",
        now,
        {
            "booking": booking.central_id,
            "service": booking.service_id,
            "slot_start": booking.slot_start.isoformat(timespec="minutes"),
            "slot_end": booking.slot_end.isoformat(timespec="minutes"),
        },
        store.terminal,
    )


def _too_late(store: Store, booking: BookingRow, now: datetime) -> CheckInResult:
    decision = None
    try:
        service = store.hall.service(booking.service_id)
        decision = walk_in_decision(store.hall, service, now, store.calendar)
    except KeyError:
        pass
    message = _("您预约的{slot}已过，预约视为自动放弃。").format(
        slot=_slot_text(booking, now.date())
    )
    if decision is not None and decision.allowed:
        message += _("现在可以现场取号办理。")
    elif decision is not None:
        message += describe_walk_in(decision)
    return CheckInResult(
        CheckInOutcome.TOO_LATE, message, None, booking_view(booking), None, decision
    )


def _other_hall(store: Store, booking: BookingRow, today: date) -> CheckInResult:
    if booking.hall_id != store.hall.id:
        message = _("您的预约不在本中心（{slot}），请前往预约的服务中心办理。").format(
            slot=_slot_text(booking, today)
        )
    else:
        message = _("您的预约不是今天，而是{slot}，请按预约时间前来。").format(
            slot=_slot_text(booking, today)
        )
    return CheckInResult(CheckInOutcome.OTHER_HALL, message, None, booking_view(booking))
