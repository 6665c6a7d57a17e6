"""The repository's prepared statements run inside the caller's transaction, whichever it is."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.services import take_ticket
from kiosk.store import repositories as repo
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Counter

DAY = date(2026, 11, 19)


def test_statements_follow_the_session_into_its_next_transaction(store: HallStore) -> None:
    with Session(store.engine) as session:
        with session.begin():
            first = repo.connection_of(session)
            assert first is session.connection()
            assert repo.next_serial(session, store.hall.id, DAY, "A") == 1
        session.begin()
        second = repo.connection_of(session)
        assert second is session.connection() and second is not first
        assert repo.next_serial(session, store.hall.id, DAY, "A") == 2
        session.rollback()  # the second serial goes with its transaction
    with store.read() as session:
        assert session.execute(select(Counter.value)).scalars().all() == [1]


def test_ticket_updates_reach_row_and_record(store: HallStore) -> None:
    now = datetime(2026, 11, 19, 10, 0)
    issued = take_ticket(store, "social-insurance", now).ticket
    assert issued is not None
    with store.write() as session:
        ticket = repo.ticket_by_number(session, store.hall.id, DAY, issued.number, for_update=True)
        assert ticket is not None and ticket.status == "waiting"
        repo.update_ticket(session, ticket, status="cancelled", finished_at=now)
        assert (ticket.status, ticket.finished_at) == ("cancelled", now)
    with store.read() as session:
        again = repo.ticket_by_number(session, store.hall.id, DAY, issued.number)
        assert again is not None and (again.status, again.finished_at) == ("cancelled", now)
