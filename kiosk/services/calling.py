"""What a window clerk does: call the next number, recall, start, complete, mark a no-show,
transfer to another service, pause, resume and close the window.

"Call next" also closes the window's previous ticket, as a clerk expects: a ticket being served
is completed, and a called ticket whose holder never came is marked missed (过号), which can
still be recalled for ``queue.no_show_recall_minutes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain import queue_policy
from kiosk.domain.hall import ServiceWindow
from kiosk.domain.schedule import materials_only_at
from kiosk.domain.statuses import BookingStatus, TicketKind, TicketStatus, WindowState
from kiosk.ports.hall_store import BookingRow, Store, TicketRecord, UnitOfWork, WindowRecord
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

#: How many times a call retries when other windows claim its chosen tickets first.
CLAIM_ATTEMPTS = 16


def window_of(store: Store, number: int) -> ServiceWindow:
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
    uow: UnitOfWork,
    store: Store,
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
    uow.events.add(type_, now, payload, store.terminal)


def _booking(uow: UnitOfWork, ticket: TicketRecord) -> BookingRow | None:
    if ticket.booking_id is None:
        return None
    return uow.bookings.get(ticket.booking_id)


def _open_window(uow: UnitOfWork, store: Store, number: int, now: datetime) -> WindowRecord:
    window_of(store, number)
    row = uow.windows.row(number, now)
    if row.state != WindowState.OPEN.value:
        raise WindowNotOpen(number, row.state)
    return row


def _complete(uow: UnitOfWork, store: Store, ticket: TicketRecord, now: datetime) -> None:
    uow.tickets.update(
        ticket,
        started_at=ticket.started_at or ticket.called_at or now,
        status=TicketStatus.DONE.value,
        finished_at=now,
    )
    booking = _booking(uow, ticket)
    if booking is not None:
        uow.bookings.update(booking, status=BookingStatus.SERVED.value, updated_at=now)
    assert ticket.started_at is not None
    minutes = (now - ticket.started_at).total_seconds() / 60
    _event(
        uow,
        store,
        "ticket_completed",
        now,
        ticket,
        booking=booking.central_id if booking else None,
        service_minutes=round(minutes, 2),
    )


def _miss(uow: UnitOfWork, store: Store, ticket: TicketRecord, now: datetime) -> None:
    uow.tickets.update(ticket, status=TicketStatus.NO_SHOW.value, missed_at=now)
    booking = _booking(uow, ticket)
    _event(
        uow,
        store,
        "ticket_no_show",
        now,
        ticket,
        booking=booking.central_id if booking else None,
        recall_until=(now + timedelta(minutes=store.hall.queue.no_show_recall_minutes)).isoformat(
            timespec="seconds"
        ),
    )


def call_next(store: Store, window: int, now: datetime) -> CallResult:
    """Call the next ticket for ``window`` by the queue policy; ``ticket`` is None when nobody
    waits. Two windows calling at once never get the same ticket."""
    hall = store.hall
    config = window_of(store, window)
    with store.unit(at=now) as uow:
        row = _open_window(uow, store, window, now)
        previous = uow.tickets.current(window, now.date())
        closed = None
        if previous is not None:
            if previous.status == TicketStatus.SERVING.value:
                _complete(uow, store, previous, now)
            else:
                _miss(uow, store, previous, now)
            closed = ticket_view(hall, previous)
        pool = {c.ticket_id: c for c in uow.tickets.waiting(now.date(), config.services)}
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
            chosen = uow.tickets.claim(choice.candidate.ticket_id, window, now, row.clerk)
            if chosen is None:
                continue  # another window called it first: take the next one
            row.priority_streak = choice.streak
            row.updated_at = now
            uow.windows.update(row)
            _event(
                uow,
                store,
                "ticket_called",
                now,
                chosen,
                queue_class=choice.queue_class.name.lower() if choice.queue_class else None,
                capped=choice.capped,
            )
            view = ticket_view(hall, chosen, booking=_booking(uow, chosen))
            return CallResult(view, window, closed, choice.capped)
    return CallResult(None, window, closed)


def _current(
    uow: UnitOfWork, store: Store, window: int, now: datetime, action: str
) -> TicketRecord:
    window_of(store, window)
    ticket = uow.tickets.current(window, now.date())
    if ticket is None:
        raise NoCurrentTicket(window, action)
    return ticket


def _by_number(uow: UnitOfWork, store: Store, number: str, now: datetime) -> TicketRecord:
    ticket = uow.tickets.by_number(now.date(), number.strip().upper(), for_update=True)
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


def recall(store: Store, window: int, now: datetime, number: str | None = None) -> TicketView:
    """Call a ticket again: the window's current one, or a missed one still within its grace."""
    hall = store.hall
    with store.unit(at=now) as uow:
        _open_window(uow, store, window, now)
        if number is None:
            ticket = _current(uow, store, window, now, "重呼")
        else:
            ticket = _by_number(uow, store, number, now)
        if ticket.status == TicketStatus.NO_SHOW.value:
            grace = timedelta(minutes=hall.queue.no_show_recall_minutes)
            if ticket.missed_at is None or now > ticket.missed_at + grace:
                raise RecallExpired(ticket.number, hall.queue.no_show_recall_minutes)
            previous = uow.tickets.current(window, now.date())
            if previous is not None and previous.id != ticket.id:
                raise InvalidTransition(previous.number, previous.status, "被替换，请先办结")
        elif ticket.status != TicketStatus.CALLED.value:
            raise InvalidTransition(ticket.number, ticket.status, "重呼")
        uow.tickets.update(
            ticket,
            status=TicketStatus.CALLED.value,
            missed_at=None,
            window=window,
            called_at=now,
            calls=ticket.calls + 1,
        )
        _event(uow, store, "ticket_recalled", now, ticket, calls=ticket.calls)
        return ticket_view(hall, ticket, booking=_booking(uow, ticket))


def start(store: Store, window: int, now: datetime) -> TicketView:
    """The called person arrived at the window: service begins (its time feeds the estimate)."""
    with store.unit() as uow:
        ticket = _current(uow, store, window, now, "开始办理")
        if ticket.status != TicketStatus.CALLED.value:
            raise InvalidTransition(ticket.number, ticket.status, "开始办理")
        uow.tickets.update(ticket, status=TicketStatus.SERVING.value, started_at=now)
        _event(uow, store, "ticket_started", now, ticket)
        return ticket_view(store.hall, ticket)


def complete(store: Store, window: int, now: datetime) -> TicketView:
    with store.unit() as uow:
        ticket = _current(uow, store, window, now, "办结")
        _complete(uow, store, ticket, now)
        return ticket_view(store.hall, ticket)


def no_show(store: Store, window: int, now: datetime) -> TicketView:
    """The called person did not come; recallable for the configured grace, then final."""
    with store.unit() as uow:
        ticket = _current(uow, store, window, now, "过号")
        if ticket.status != TicketStatus.CALLED.value:
            raise InvalidTransition(ticket.number, ticket.status, "过号")
        _miss(uow, store, ticket, now)
        return ticket_view(store.hall, ticket)


@dataclass(frozen=True)
class TransferResult:
    old: TicketView
    new: TicketView


def transfer(store: Store, window: int, service_id: str, now: datetime) -> TransferResult:
    """Send the window's current ticket to another service's queue.

    The person gets a number of the new service's prefix but keeps their place: the new ticket
    queues by the original issue time, and keeps its booking and priority group.
    """
    hall = store.hall
    service = service_of(store, service_id)
    with store.unit(at=now) as uow:
        old = _current(uow, store, window, now, "转办")
        if old.service_id == service.id:
            raise InvalidTransition(old.number, old.status, "转到同一事项")
        booking = _booking(uow, old)
        new = issue(
            uow,
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
            arrival=old.arrival or old.id,
            # what the period the person came in takes of the new item
            materials_only=materials_only_at(hall, service, old.issued_at, store.calendar),
        )
        uow.tickets.update(old, status=TicketStatus.TRANSFERRED.value, finished_at=now)
        _event(
            uow,
            store,
            "ticket_transferred",
            now,
            old,
            to_ticket_id=new.id,
            to_number=new.number,
            to_service=new.service_id,
        )
        uow.events.add("ticket_issued", now, issued_payload(new, booking), store.terminal)
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
    store: Store, window: int, now: datetime, state: WindowState, clerk: str | None
) -> WindowView:
    config = window_of(store, window)
    with store.unit() as uow:
        row = uow.windows.row(window, now)
        previous = row.state
        row.state = state.value
        if clerk is not None:
            row.clerk = clerk
        row.updated_at = now
        if state is not WindowState.OPEN:
            row.priority_streak = 0
        uow.windows.update(row)
        type_ = {
            WindowState.OPEN: "window_resumed",
            WindowState.PAUSED: "window_paused",
            WindowState.CLOSED: "window_closed",
        }[state]
        uow.events.add(
            type_,
            now,
            {"window": window, "from": previous, "to": state.value, "clerk": row.clerk},
            store.terminal,
        )
        return WindowView(window, row.state, row.clerk, config.services)


def pause(store: Store, window: int, now: datetime) -> WindowView:
    return _set_window(store, window, now, WindowState.PAUSED, None)


def resume(store: Store, window: int, now: datetime, clerk: str | None = None) -> WindowView:
    """Open the window (again); a clerk logging in passes their staff id."""
    return _set_window(store, window, now, WindowState.OPEN, clerk)


def close(store: Store, window: int, now: datetime) -> WindowView:
    return _set_window(store, window, now, WindowState.CLOSED, None)


def windows(store: Store) -> list[WindowView]:
    with store.read_unit() as uow:
        states = uow.windows.states()
    return [
        WindowView(
            w.number,
            states[w.number].state if w.number in states else WindowState.OPEN.value,
            states[w.number].clerk if w.number in states else None,
            w.services,
        )
        for w in store.hall.windows
    ]
