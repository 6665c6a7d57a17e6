"""Today's numbers of one window, for its console: read from the tickets, not from the screen.

A console that counted the calls it saw would start again from zero after a restart and could
not tell a finished ticket from a missed one; the tickets keep the window that handled them and
their final status, so one grouped query answers it the same on every console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from kiosk.services.errors import UnknownWindow
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Ticket, TicketStatus


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


def window_counts(store: HallStore, window: int, day: date) -> WindowCounts:
    """Done / no-show / transferred at ``window`` on ``day``, and who waits for its services."""
    hall = store.hall
    try:
        services = hall.window(window).services
    except KeyError:
        raise UnknownWindow(window, [w.number for w in hall.windows]) from None
    finished = (TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.TRANSFERRED)
    with store.read() as session:
        by_status = dict(
            session.execute(
                select(Ticket.status, func.count())
                .where(
                    Ticket.hall_id == hall.id,
                    Ticket.day == day,
                    Ticket.window == window,
                    Ticket.status.in_([s.value for s in finished]),
                )
                .group_by(Ticket.status)
            )
            .tuples()
            .all()
        )
        by_service = dict(
            session.execute(
                select(Ticket.service_id, func.count())
                .where(
                    Ticket.hall_id == hall.id,
                    Ticket.day == day,
                    Ticket.status == TicketStatus.WAITING.value,
                    Ticket.service_id.in_(list(services)),
                )
                .group_by(Ticket.service_id)
            )
            .tuples()
            .all()
        )
    return WindowCounts(
        window=window,
        day=day,
        done=int(by_status.get(TicketStatus.DONE.value, 0)),
        no_show=int(by_status.get(TicketStatus.NO_SHOW.value, 0)),
        transferred=int(by_status.get(TicketStatus.TRANSFERRED.value, 0)),
        waiting=tuple((service, int(by_service.get(service, 0))) for service in services),
    )
