"""A clerk signs in at a window console (工号 and PIN), so tickets, reports and ratings name
the clerk as well as the window; signing out leaves the window paused with nobody on duty.

The clerk on duty is the window row's ``clerk``; each change is an event (``clerk_signed_in``,
``clerk_signed_out``) that the window's pad and the consoles follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.hall import Clerk
from kiosk.domain.staff import pin_matches
from kiosk.domain.statuses import WindowState
from kiosk.i18n import _
from kiosk.ports.hall_store import Store
from kiosk.services.calling import window_of
from kiosk.services.errors import QueueError


class SignInRefused(QueueError):
    code = "sign_in_refused"


@dataclass(frozen=True)
class OnDuty:
    window: int
    clerk: Clerk | None
    state: str


def check_clerk(store: Store, clerk_id: str, pin: str) -> Clerk:
    """The clerk whose 工号 and PIN these are; one message for both wrong, so a guess learns
    nothing about which 工号 exist."""
    try:
        clerk = store.hall.clerk(clerk_id.strip())
    except KeyError:
        clerk = None
    if clerk is None or not pin_matches(clerk.pin, pin.strip()):
        raise SignInRefused(_("工号或密码不正确"))
    return clerk


def _set_clerk(
    store: Store, window: int, now: datetime, clerk: Clerk | None, state: WindowState
) -> OnDuty:
    window_of(store, window)
    with store.unit() as uow:
        row = uow.windows.row(window, now)
        previous = row.clerk
        row.clerk = clerk.id if clerk is not None else None
        row.state = state.value
        row.updated_at = now
        if state is not WindowState.OPEN:
            row.priority_streak = 0
        uow.windows.update(row)
        type_ = "clerk_signed_in" if clerk is not None else "clerk_signed_out"
        uow.events.add(
            type_,
            now,
            {"window": window, "clerk": row.clerk, "previous": previous, "to": state.value},
            store.terminal,
        )
        return OnDuty(window, clerk, row.state)


def sign_in(store: Store, window: int, clerk_id: str, pin: str, now: datetime) -> OnDuty:
    """Check 工号 and PIN, then put the clerk on duty at ``window`` and open it."""
    clerk = check_clerk(store, clerk_id, pin)
    return _set_clerk(store, window, now, clerk, WindowState.OPEN)


def sign_out(store: Store, window: int, now: datetime) -> OnDuty:
    """Nobody on duty: the window is paused until the next clerk signs in."""
    return _set_clerk(store, window, now, None, WindowState.PAUSED)


def on_duty(store: Store, window: int, now: datetime) -> OnDuty:
    window_of(store, window)
    with store.read_unit() as uow:
        states = uow.windows.states()
    row = states.get(window)
    if row is None:
        return OnDuty(window, None, WindowState.OPEN.value)
    clerk = None
    if row.clerk:
        try:
            clerk = store.hall.clerk(row.clerk)
        except KeyError:
            clerk = None
    return OnDuty(window, clerk, row.state)


@dataclass(frozen=True)
class WindowBoard:
    """What the window's pad shows when nobody is being asked, and the event it was read at."""

    duty: OnDuty
    serving: str | None
    seq: int


def window_board(store: Store, window: int, now: datetime) -> WindowBoard:
    """The window's clerk, state and number called or being served, read with the last event
    ``seq`` first, so a stream started after it misses nothing."""
    window_of(store, window)
    with store.read_unit() as uow:
        seq = uow.events.last_seq()
        current = uow.tickets.current(window, now.date(), for_update=False)
    return WindowBoard(on_duty(store, window, now), current.number if current else None, seq)
