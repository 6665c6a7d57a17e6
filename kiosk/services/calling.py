"""What a window clerk does: call the next number, recall, start, complete, mark a no-show,
transfer to another service, pause, resume and close the window.

"Call next" also closes the window's previous ticket, as a clerk expects: a ticket being served
is completed, and a called ticket whose holder never came is marked missed (过号), which can
still be recalled for ``queue.no_show_recall_minutes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.domain import queue_policy
from kiosk.domain.hall import ServiceWindow
from kiosk.domain.schedule import materials_only_at
from kiosk.services.errors import (
    InvalidTransition,
    NoCurrentTicket,
    RecallExpired,
    TicketNotFound,
    UnknownWindow,
    WindowNotOpen,
)
from kiosk.services.tickets import issue, issued_payload, service_of
from kiosk.services.views import TicketView, ticket_view
from kiosk.store import repositories as repo
from kiosk.store.hallstore import HallStore
from kiosk.store.models import (
    Booking,
    BookingStatus,
    TicketKind,
    TicketStatus,
    WindowState,
)
from kiosk.store.repositories import TicketRecord

#: How many times a call retries when other windows claim its chosen tickets first.
CLAIM_ATTEMPTS = 16


def window_of(store: HallStore, number: int) -> ServiceWindow:
    try:
        return store.hall.window(number)
    except KeyError:
        raise UnknownWindow(number, [w.number for w in store.hall.windows]) from None


@dataclass(frozen=True)
class CallResult:
    ticket: TicketView | None
    window: int
    closed_previous: TicketView | None = None
    """The window's previous ticket, completed or marked missed by this call."""
    capped: bool = False
    """A walk-in was called ahead of booked/priority tickets (the anti-starvation cap)."""


def _event(
    session: Session,
    store: HallStore,
    type_: str,
    now: datetime,
    ticket: TicketRecord,
    **extra: object,
) -> None:
    payload: dict[str, object] = {
        "ticket_id": ticket.id,
        "day": ticket.day.isoformat(),
        "number": ticket.number,
        "service": ticket.service_id,
        "window": ticket.window,
        "clerk": ticket.clerk,
    }
    payload.update(extra)
    repo.record_event(session, store.hall.id, type_, now, payload, store.terminal)


def _booking(session: Session, ticket: TicketRecord) -> Booking | None:
    if ticket.booking_id is None:
        return None
    return session.get(Booking, ticket.booking_id)


def _open_window(
    session: Session, store: HallStore, number: int, now: datetime
) -> repo.WindowRecord:
    window_of(store, number)
    row = repo.window_row(session, store.hall.id, number, now)
    if row.state != WindowState.OPEN.value:
        raise WindowNotOpen(number, row.state)
    return row


def _complete(session: Session, store: HallStore, ticket: TicketRecord, now: datetime) -> None:
    repo.update_ticket(
        session,
        ticket,
        started_at=ticket.started_at or ticket.called_at or now,
        status=TicketStatus.DONE.value,
        finished_at=now,
    )
    booking = _booking(session, ticket)
    if booking is not None:
        booking.status = BookingStatus.SERVED.value
        booking.updated_at = now
    assert ticket.started_at is not None
    minutes = (now - ticket.started_at).total_seconds() / 60
    _event(
        session,
        store,
        "ticket_completed",
        now,
        ticket,
        booking=booking.central_id if booking else None,
        service_minutes=round(minutes, 2),
    )


def _miss(session: Session, store: HallStore, ticket: TicketRecord, now: datetime) -> None:
    repo.update_ticket(session, ticket, status=TicketStatus.NO_SHOW.value, missed_at=now)
    booking = _booking(session, ticket)
    _event(
        session,
        store,
        "ticket_no_show",
        now,
        ticket,
        booking=booking.central_id if booking else None,
        recall_until=(now + timedelta(minutes=store.hall.queue.no_show_recall_minutes)).isoformat(
            timespec="seconds"
        ),
    )


def call_next(store: HallStore, window: int, now: datetime) -> CallResult:
    """Call the next ticket for ``window`` by the queue policy; ``ticket`` is None when nobody
    waits. Two windows calling at once never get the same ticket."""
    hall = store.hall
    config = window_of(store, window)
    with store.write() as session:
        row = _open_window(session, store, window, now)
        previous = repo.current_ticket(session, hall.id, window, now.date())
        closed = None
        if previous is not None:
            if previous.status == TicketStatus.SERVING.value:
                _complete(session, store, previous, now)
            else:
                _miss(session, store, previous, now)
            closed = ticket_view(hall, previous)
        pool = {
            c.ticket_id: c
            for c in repo.waiting_candidates(session, hall.id, now.date(), config.services)
        }
        for _attempt in range(CLAIM_ATTEMPTS):
            choice = queue_policy.choose_next(
                list(pool.values()),
                now,
                row.priority_streak,
                hall.queue.max_consecutive_priority,
            )
            if choice.candidate is None:
                return CallResult(None, window, closed)
            pool.pop(choice.candidate.ticket_id)
            chosen = repo.claim_ticket(session, choice.candidate.ticket_id, window, now, row.clerk)
            if chosen is None:
                continue  # another window called it first: take the next one
            row.priority_streak = choice.streak
            row.updated_at = now
            repo.update_window(session, row)
            _event(
                session,
                store,
                "ticket_called",
                now,
                chosen,
                queue_class=choice.queue_class.name.lower() if choice.queue_class else None,
                capped=choice.capped,
            )
            view = ticket_view(hall, chosen, booking=_booking(session, chosen))
            return CallResult(view, window, closed, choice.capped)
    return CallResult(None, window, closed)


def _current(
    session: Session, store: HallStore, window: int, now: datetime, action: str
) -> TicketRecord:
    window_of(store, window)
    ticket = repo.current_ticket(session, store.hall.id, window, now.date())
    if ticket is None:
        raise NoCurrentTicket(window, action)
    return ticket


def _by_number(session: Session, store: HallStore, number: str, now: datetime) -> TicketRecord:
    ticket = repo.ticket_by_number(
        session, store.hall.id, now.date(), number.strip().upper(), for_update=True
    )
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


def recall(store: HallStore, window: int, now: datetime, number: str | None = None) -> TicketView:
    """Call a ticket again: the window's current one, or a missed one still within its grace."""
    hall = store.hall
    with store.write() as session:
        _open_window(session, store, window, now)
        if number is None:
            ticket = _current(session, store, window, now, "重呼")
        else:
            ticket = _by_number(session, store, number, now)
        if ticket.status == TicketStatus.NO_SHOW.value:
            grace = timedelta(minutes=hall.queue.no_show_recall_minutes)
            if ticket.missed_at is None or now > ticket.missed_at + grace:
                raise RecallExpired(ticket.number, hall.queue.no_show_recall_minutes)
            previous = repo.current_ticket(session, hall.id, window, now.date())
            if previous is not None and previous.id != ticket.id:
                raise InvalidTransition(previous.number, previous.status, "被替换，请先办结")
        elif ticket.status != TicketStatus.CALLED.value:
            raise InvalidTransition(ticket.number, ticket.status, "重呼")
        repo.update_ticket(
            session,
            ticket,
            status=TicketStatus.CALLED.value,
            missed_at=None,
            window=window,
            called_at=now,
            calls=ticket.calls + 1,
        )
        _event(session, store, "ticket_recalled", now, ticket, calls=ticket.calls)
        return ticket_view(hall, ticket, booking=_booking(session, ticket))


def start(store: HallStore, window: int, now: datetime) -> TicketView:
    """The called person arrived at the window: service begins (its time feeds the estimate)."""
    with store.write() as session:
        ticket = _current(session, store, window, now, "开始办理")
        if ticket.status != TicketStatus.CALLED.value:
            raise InvalidTransition(ticket.number, ticket.status, "开始办理")
        repo.update_ticket(session, ticket, status=TicketStatus.SERVING.value, started_at=now)
        _event(session, store, "ticket_started", now, ticket)
        return ticket_view(store.hall, ticket)


def complete(store: HallStore, window: int, now: datetime) -> TicketView:
    with store.write() as session:
        ticket = _current(session, store, window, now, "办结")
        _complete(session, store, ticket, now)
        return ticket_view(store.hall, ticket)


def no_show(store: HallStore, window: int, now: datetime) -> TicketView:
    """The called person did not come; recallable for the configured grace, then final."""
    with store.write() as session:
        ticket = _current(session, store, window, now, "过号")
        if ticket.status != TicketStatus.CALLED.value:
            raise InvalidTransition(ticket.number, ticket.status, "过号")
        _miss(session, store, ticket, now)
        return ticket_view(store.hall, ticket)


@dataclass(frozen=True)
class TransferResult:
    old: TicketView
    new: TicketView


def transfer(store: HallStore, window: int, service_id: str, now: datetime) -> TransferResult:
    """Send the window's current ticket to another service's queue.

    The person gets a number of the new service's prefix but keeps their place: the new ticket
    queues by the original issue time, and keeps its booking and priority group.
    """
    hall = store.hall
    service = service_of(store, service_id)
    with store.write() as session:
        old = _current(session, store, window, now, "转办")
        if old.service_id == service.id:
            raise InvalidTransition(old.number, old.status, "转到同一事项")
        booking = _booking(session, old)
        new = issue(
            session,
            store,
            service,
            now,
            kind=TicketKind(old.kind),
            queued_at=old.queued_at,
            priority=old.priority_group,
            holder_hash=old.holder_hash,
            name_masked=old.name_masked,
            booking=booking,
            transferred_from=old.id,
            # what the period the person came in takes of the new item
            materials_only=materials_only_at(hall, service, old.issued_at, store.calendar),
        )
        repo.update_ticket(session, old, status=TicketStatus.TRANSFERRED.value, finished_at=now)
        _event(
            session,
            store,
            "ticket_transferred",
            now,
            old,
            to_ticket_id=new.id,
            to_number=new.number,
            to_service=new.service_id,
        )
        repo.record_event(
            session, hall.id, "ticket_issued", now, issued_payload(new, booking), store.terminal
        )
        return TransferResult(
            ticket_view(hall, old, booking=booking), ticket_view(hall, new, booking=booking)
        )


@dataclass(frozen=True)
class WindowView:
    number: int
    state: str
    clerk: str | None
    services: tuple[str, ...]


def _set_window(
    store: HallStore, window: int, now: datetime, state: WindowState, clerk: str | None
) -> WindowView:
    config = window_of(store, window)
    with store.write() as session:
        row = repo.window_row(session, store.hall.id, window, now)
        previous = row.state
        row.state = state.value
        if clerk is not None:
            row.clerk = clerk
        row.updated_at = now
        if state is not WindowState.OPEN:
            row.priority_streak = 0
        repo.update_window(session, row)
        type_ = {
            WindowState.OPEN: "window_resumed",
            WindowState.PAUSED: "window_paused",
            WindowState.CLOSED: "window_closed",
        }[state]
        repo.record_event(
            session,
            store.hall.id,
            type_,
            now,
            {"window": window, "from": previous, "to": state.value, "clerk": row.clerk},
            store.terminal,
        )
        return WindowView(window, row.state, row.clerk, config.services)


def pause(store: HallStore, window: int, now: datetime) -> WindowView:
    return _set_window(store, window, now, WindowState.PAUSED, None)


def resume(store: HallStore, window: int, now: datetime, clerk: str | None = None) -> WindowView:
    """Open the window (again); a clerk logging in passes their staff id."""
    return _set_window(store, window, now, WindowState.OPEN, clerk)


def close(store: HallStore, window: int, now: datetime) -> WindowView:
    return _set_window(store, window, now, WindowState.CLOSED, None)


def windows(store: HallStore) -> list[WindowView]:
    with store.read() as session:
        states = repo.window_states(session, store.hall.id)
    return [
        WindowView(
            w.number,
            states[w.number].state if w.number in states else WindowState.OPEN.value,
            states[w.number].clerk if w.number in states else None,
            w.services,
        )
        for w in store.hall.windows
    ]
