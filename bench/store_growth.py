"""How fast the SQLite hall store grows: the basis of ``kiosk doctor``'s free-space thresholds.

Plays a busy day through the real services on a fresh SQLite store: ``--tickets`` walk-ins
spread over the day, each called, started and completed at one of 20 windows (every change
recorded as its event, as in a hall), then checkpoints the WAL and prints the file size and the
bytes per ticket.

    .venv/bin/python bench/store_growth.py [--tickets 5000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from kiosk.config import load_calendar, load_hall
    from kiosk.services import call_next, complete_service, start_service, take_ticket
    from kiosk.store.hallstore import HallStore

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    args = parser.parse_args()
    hall = load_hall("pinggu-district")
    services = {w.number: w.services[0] for w in hall.windows}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hall.sqlite3"
        store = HallStore.open(f"sqlite:///{path}", hall, load_calendar(), b"g" * 40)
        day = datetime(2026, 11, 23, 8, 30)
        step = timedelta(seconds=8 * 3600 / args.tickets)
        windows = sorted(services)
        started, cpu = time.monotonic(), time.process_time()
        for index in range(args.tickets):
            now = day + step * index
            window = windows[index % len(windows)]
            assert take_ticket(store, services[window], now).ticket is not None
            if call_next(store, window, now).ticket is not None:
                start_service(store, window, now)
                complete_service(store, window, now)
        wall, cpu = time.monotonic() - started, time.process_time() - cpu
        store.close()
        import sqlite3

        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            (events,) = connection.execute("SELECT count(*) FROM events").fetchone()
        connection.close()
        size = path.stat().st_size
    print(f"{args.tickets:,} tickets, {events:,} events in {wall:.1f} s (CPU {cpu:.1f} s)")
    print(f"store: {size / 1e6:.1f} MB = {size / args.tickets:,.0f} bytes per ticket")


if __name__ == "__main__":
    main()
