"""Day in the life: a busy county hall's day against the real services, stores and server.

    .venv/bin/python bench/day.py [--citizens 5000] [--wall-seconds 240]
        [--store sqlite|postgresql|both] [--postgres postgresql+psycopg://user@host:port/db]

Separate processes: 4 kiosks (each with its own store connection and its own printer
simulator), clerks at 20 windows, a hall display polling for calls, the sync worker against a
real central server (``kiosk central serve``) behind the fault proxy, all on one hall store
(SQLite file in WAL mode, or a new PostgreSQL database; from ``--postgres`` or
``KIOSK_TEST_POSTGRES_URL``). The hall clock runs 07:40-17:30 in ``--wall-seconds``. The
bookings are made at the central store two days ahead and pulled before the doors open;
citizens come booked or walk in, early, late or not at all. The central link drops twice, one
kiosk is killed with SIGKILL and restarted, one printer runs out of paper for a while.

At the end: the day is closed, the hall syncs a last time, and every citizen's ticket, every
booking and every event is reconciled between the kiosks' journals, the hall store and the
central store; p50/p95 of tap → ticket (acknowledged by the printer) and call → display are
printed. Exit status 1 when anything does not reconcile.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the bench.dayinlife package

from bench.dayinlife.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
