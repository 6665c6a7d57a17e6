"""Today's numbers of one window, for its console: read from the tickets, not from the screen.

A console that counted the calls it saw would start again from zero after a restart and could
not tell a finished ticket from a missed one; the tickets keep the window that handled them and
their final status, so one grouped query answers it the same on every console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk.domain.statuses import TicketStatus
from kiosk.ports.hall_store import Store
from kiosk.services.errors import UnknownWindow


@dataclass(frozen=True)
class WindowCounts:
    window: int
    day: date
    done: int
    no_show: int
    transferred: int
    waiting: tuple[tuple[str, int], ...]
    """(service id, people waiting) for each service of the window, in the window's order."""

    @property
    def waiting_total(self) -> int:
        return sum(count for _service, count in self.waiting)


def window_counts(store: Store, window: int, day: date) -> WindowCounts:
    """Done / no-show / transferred at ``window`` on ``day``, and who waits for its services."""
    hall = store.hall
    try:
        services = hall.window(window).services
    except KeyError:
        raise UnknownWindow(window, [w.number for w in hall.windows]) from None
    finished = (TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.TRANSFERRED)
    with store.read_unit() as uow:
        by_status = uow.tickets.count_by_status(window, day, [s.value for s in finished])
        by_service = uow.tickets.waiting_by_service(day, list(services))
    return WindowCounts(
        window=window,
        day=day,
        done=int(by_status.get(TicketStatus.DONE.value, 0)),
        no_show=int(by_status.get(TicketStatus.NO_SHOW.value, 0)),
        transferred=int(by_status.get(TicketStatus.TRANSFERRED.value, 0)),
        waiting=tuple((service, int(by_service.get(service, 0))) for service in services),
    )
