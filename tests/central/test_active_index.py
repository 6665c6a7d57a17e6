"""The central store's one-booking-per-person-per-slot index covers exactly the bookings that
hold a place by the domain's rule (``kiosk.domain.statuses.PLACE_HOLDING``).

The index's condition is written into the database by a migration, as text; a status added to
the domain's set without a migration that rebuilds the index would let one person hold two
places in a slot (or refuse a second booking that should be allowed). This reads the condition
back from the migrated SQLite and PostgreSQL stores and compares it with the domain's set.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from kiosk.domain.booking_rules import PLACE_HOLDING_STATUSES
from kiosk.domain.statuses import PLACE_HOLDING
from sync.protocol import ACTIVE_STATUSES
from sync.server.db import open_engine, upgrade
from sync.server.models import ACTIVE_WHERE

INDEX = "uq_bookings_holder_slot"


def _statuses(condition: str) -> set[str]:
    return set(re.findall(r"'(\w+)'", condition))


def test_every_copy_of_the_place_holding_set_is_the_domains() -> None:
    domain = {status.value for status in PLACE_HOLDING}
    assert set(PLACE_HOLDING_STATUSES) == domain
    assert {status.value for status in ACTIVE_STATUSES} == domain
    assert _statuses(ACTIVE_WHERE) == domain


def test_the_migrated_index_covers_the_domains_place_holding_statuses(central_url: str) -> None:
    engine = open_engine(central_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
            else:
                query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
            definition = connection.execute(text(query), {"name": INDEX}).scalar_one()
    finally:
        engine.dispose()
    assert "WHERE" in definition.upper(), definition
    condition = definition[definition.upper().index("WHERE") :]
    assert _statuses(condition) == {status.value for status in PLACE_HOLDING}, definition
