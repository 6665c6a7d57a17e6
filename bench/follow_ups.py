"""Ratings and 差评 follow-ups in the central store, in process: SQLite, and PostgreSQL when
``$KIOSK_TEST_POSTGRES_URL`` is set (a new database on that server, dropped afterwards)::

    .venv/bin/python bench/follow_ups.py [--ratings 5000]

``--ratings`` ``ticket_rated`` events of one hall (one in five a 差评, over five days, twelve
windows, twenty clerks) are pushed through ``apply_batch`` in batches of 100, as a kiosk's
outbox arrives; then the follow-up list (what ``/staff/follow-ups`` and the API read: every
item's deadline counted by the calendar) and the five days' rating report per window and clerk
are read five times each. Printed: ratings/s and CPU ms per rating (this process: the client's
model checks and the server's work; PostgreSQL's own CPU is not counted), the median wall and
CPU time of each read, and the load average (the machine is shared: compare CPU, not wall).
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_halls
from kiosk.domain.rating import LEVELS
from sync.protocol import RATING_SCORES, EventBatch
from sync.server.app import Central, open_central
from sync.server.auth import add_device
from sync.server.events import apply_batch
from sync.server.follow_ups import list_follow_ups, rating_report
from sync.server.settings import ServerSettings

FIRST_DAY = date(2026, 11, 23)
DAYS = 5
#: One in five a 差评 (far more than a real hall: the follow-up reads get work to do).
MIX = (LEVELS[0], LEVELS[1], LEVELS[2], LEVELS[1], LEVELS[3])


def payload(n: int, per_day: int) -> dict[str, Any]:
    level = MIX[n % len(MIX)]
    day = FIRST_DAY + timedelta(days=min(n // per_day, DAYS - 1))
    served = datetime.combine(day, datetime.min.time()) + timedelta(hours=9, seconds=n % 28000)
    return {
        "ticket_id": n + 1, "day": day.isoformat(), "number": f"A{n % 1000:03d}",
        "service": "social-insurance", "window": 1 + n % 12, "clerk": f"{1000 + n % 20}",
        "clerk_name": "李娜", "level": level.value, "score": RATING_SCORES[level.value],
        "bad": level.bad, "reasons": ["attitude"] if level.bad else [],
        "reasons_zh": ["服务态度"] if level.bad else [], "comment": None,
        "channel": "window_pad", "served_at": served.isoformat(),
        "rated_at": (served + timedelta(minutes=1)).isoformat(),
    }  # fmt: skip


def stores() -> Iterator[tuple[str, str]]:
    """(name, database URL) of each backend to measure."""
    with tempfile.TemporaryDirectory() as directory:
        yield "sqlite", f"sqlite:///{Path(directory) / 'central.sqlite3'}"
    server = os.environ.get("KIOSK_TEST_POSTGRES_URL")
    if not server:
        return
    name = f"bench_follow_ups_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield "postgresql", make_url(server).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(read: Callable[[], Any], runs: int = 5) -> tuple[float, float, Any]:
    walls, cpus, out = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        out = read()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return sorted(walls)[runs // 2] * 1e3, sorted(cpus)[runs // 2] * 1e3, out


def measure(name: str, url: str, ratings: int) -> None:
    clock = FixedClock(datetime.combine(FIRST_DAY + timedelta(days=DAYS), datetime.min.time()))
    settings = ServerSettings(
        database_url=url,
        id_hash_key=b"bench-follow-ups-key-0123456789abcdef",
        halls=load_halls(),
        calendar=load_calendar(),
        clock=clock,
    )
    central: Central = open_central(settings)
    with central.transaction() as session:
        device, _token = add_device(session, "xixia", "bench")
        device_id = device.id
    per_day = -(-ratings // DAYS)
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, ratings, 100):
        batch = EventBatch.model_validate(
            {
                "events": [
                    {
                        "idempotency_key": f"bench-rating-{n:08d}",
                        "sequence": n + 1,
                        "type": "ticket_rated",
                        "occurred_at": payload(n, per_day)["rated_at"],
                        "payload": payload(n, per_day),
                    }
                    for n in range(start, min(start + 100, ratings))
                ]
            }
        )
        clock.set(datetime.fromisoformat(batch.events[-1].payload["rated_at"]))
        with central.transaction() as session:
            apply_batch(session, settings, device_id, batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rate, each = ratings / wall, cpu * 1e3 / ratings
    print(f"{name}: push {ratings} ratings: {rate:.0f}/s, {each:.2f} ms CPU each")
    clock.set(datetime.combine(FIRST_DAY + timedelta(days=30), datetime.min.time()))
    hall = settings.halls["xixia"]
    last = FIRST_DAY + timedelta(days=DAYS - 1)

    def listed() -> Any:
        with central.read_session() as session:
            return list_follow_ups(session, settings, [hall.id], limit=None)

    def reported() -> Any:
        with central.read_session() as session:
            return rating_report(session, settings, hall, FIRST_DAY, last)

    for label, read in (("follow-up list", listed), ("rating report", reported)):
        wall_ms, cpu_ms, out = timed(read)
        size = len(out) if isinstance(out, list) else out.total.rated
        print(f"{name}: {label} ({size} rows): {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU")
    central.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=5000)
    args = parser.parse_args()
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for name, url in stores():
        measure(name, url, args.ratings)
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
