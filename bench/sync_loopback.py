"""Central booking store on loopback: pull of 10,000 bookings, event batches, requests per second.

Starts ``kiosk central serve`` (uvicorn, one process) on a fresh store, seeds 10,000 bookings of
one hall straight into its database, then measures from a client process:

- ``pull``: every booking of the hall by cursor, in pages of ``--page`` (HTTP + JSON decode +
  protocol validation);
- ``events``: 5,000 check-in events pushed in batches of ``--batch``, each applied once;
- ``GET rps`` / ``POST rps``: requests per second of the bookings endpoint, one client thread
  and ``--threads`` client threads (a cursor pull page of 50; a new booking by the online
  channel, every one checked against the rules, capacity and one-per-person).

- ``kiosk pull`` / ``kiosk drain``: the sync client (``sync.client.HallSync``) with its own
  device token: every booking pulled into an empty hall store (SQLite file, or a scratch
  PostgreSQL database with ``--hall-database-url``), then 5,000 outbox events (check-ins of
  bookings the raw event path left alone) drained in batches of ``--batch``.

Targets from the issue: 10,000 bookings pulled in under 10 s, 5,000 events in under 10 s.

    .venv/bin/python bench/sync_loopback.py [--database-url postgresql+psycopg://server/db]
        [--bookings N]
        [--hall-database-url postgresql+psycopg://server/db]

With ``--database-url`` the store is a new database on that PostgreSQL server, dropped after.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from kiosk.clock import HallClock
from kiosk.config import load_calendar, load_halls
from kiosk.domain.booking_rules import booking_decision, day_slots
from kiosk.domain.identity import check_digit, id_hash
from kiosk.settings import ID_HASH_KEY_ENV
from sync.protocol import BookingPage, EventBatchResult
from sync.server.app import open_central
from sync.server.auth import add_device
from sync.server.models import Booking, HallCounter
from sync.server.settings import ServerSettings

HALL = "xixia"


def person(serial: int) -> str:
    """A distinct valid ID number per serial: the birth date and sequence number vary."""
    birth = date(1940, 1, 1) + timedelta(days=serial // 1000)
    first17 = f"410323{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def seed(settings: ServerSettings, count: int) -> str:
    """``count`` bookings of the hall written directly (the API path is measured separately)."""
    central = open_central(settings)
    now = datetime(2026, 11, 1, 9, 0)
    rows = []
    for n in range(count):
        slot = datetime(2026, 12, 1, 8, 0) + timedelta(days=n % 28, minutes=30 * (n % 16))
        rows.append(
            {
                "id": f"seed{n:012d}",
                "hall_id": HALL,
                "service_id": "real-estate",
                "slot_start": slot,
                "slot_end": slot + timedelta(minutes=30),
                "id_hash": id_hash(person(n), settings.id_hash_key),
                "masked_name": "张*三",
                "masked_phone": "138****5678",
                "channel": "online",
                "status": "booked",
                "version": 1,
                "change_seq": n + 1,
                "created_at": now,
                "updated_at": now,
                "created_by": "bench",
            }
        )
    with central.transaction() as session:
        for start in range(0, count, 2000):
            session.execute(insert(Booking), rows[start : start + 2000])
        counter = session.get(HallCounter, HALL)
        assert counter is not None
        counter.value = count
        _device, token = add_device(session, HALL, "bench")
    central.engine.dispose()
    return token


@contextmanager
def scratch_database(server_url: str | None) -> Iterator[str | None]:
    """A database of its own on the given PostgreSQL server, dropped afterwards."""
    if not server_url:
        yield None
        return
    name = f"central_bench_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, key: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk.app.cli.main", "central", "serve", "--port", str(port),
         "--database-url", database_url],
        env={**os.environ, ID_HASH_KEY_ENV: key},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _attempt in range(200):
        try:
            requests.get(f"{base}/api/v1/health", timeout=1)
            return server, base
        except requests.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the central server did not start")


def pull_all(session: requests.Session, base: str, page: int) -> tuple[int, float, int]:
    started = time.perf_counter()
    cursor, total, requests_made = 0, 0, 0
    while True:
        response = session.get(
            f"{base}/api/v1/halls/{HALL}/bookings",
            params={"since": cursor, "limit": page},
            timeout=30,
        )
        response.raise_for_status()
        requests_made += 1
        got = BookingPage.model_validate_json(response.content)
        total += len(got.bookings)
        cursor = got.cursor
        if not got.has_more:
            break
    return total, time.perf_counter() - started, requests_made


def push_events(session: requests.Session, base: str, count: int, batch: int) -> float:
    # Now, by the hall's clock: the store refuses events dated far from its own time.
    now = HallClock(load_halls()[HALL].timezone).now().replace(microsecond=0).isoformat()
    events = [
        {
            "idempotency_key": f"bench-{n:08d}",
            "sequence": n + 1,
            "type": "booking_checked_in",
            "occurred_at": now,
            "payload": {"booking_id": f"seed{n:012d}"},
        }
        for n in range(count)
    ]
    started = time.perf_counter()
    for start in range(0, count, batch):
        response = session.post(
            f"{base}/api/v1/halls/{HALL}/events",
            json={"events": events[start : start + batch]},
            timeout=60,
        )
        response.raise_for_status()
        result = EventBatchResult.model_validate_json(response.content)
        assert all(r.outcome == "applied" for r in result.results), result.results[:3]
    return time.perf_counter() - started


def open_slots(settings: ServerSettings, count: int) -> list[tuple[str, datetime]]:
    """(service, slot) pairs bookable online right now, each with its capacity repeated (not
    real-estate's: the seeded bookings fill its slots on the days they cover)."""
    hall = settings.halls[HALL]
    now = HallClock(hall.timezone).now()
    pairs: list[tuple[str, datetime]] = []
    for offset in range(2, hall.booking.days_ahead):
        day = now.date() + timedelta(days=offset)
        for service in (s for s in hall.services if s.id != "real-estate"):
            for slot in day_slots(hall, day, settings.calendar, service):
                decision = booking_decision(
                    hall, slot.start, now, settings.calendar, channel="online", service=service
                )
                if decision.allowed:
                    pairs += [(service.id, slot.start)] * slot.capacity
                if len(pairs) >= count:
                    return pairs[:count]
    return pairs


def rate(worker: Callable[[int, int], object], threads: int, per_thread: int) -> float:
    barrier = threading.Barrier(threads + 1)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            for n in range(per_thread):
                worker(index, n)
        except BaseException as error:
            failures.append(error)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    if failures:
        raise SystemExit(f"a request failed: {failures[0]}")
    return threads * per_thread / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--hall-database-url", help="kiosk side; default: a fresh SQLite file")
    args = parser.parse_args()
    key = secrets.token_hex(32)
    with tempfile.TemporaryDirectory() as directory, scratch_database(args.database_url) as url:
        url = url or f"sqlite:///{Path(directory) / 'central.sqlite3'}"
        settings = ServerSettings(
            database_url=url,
            id_hash_key=key.encode(),
            halls=load_halls(),
            calendar=load_calendar(),
        )
        started = time.perf_counter()
        token = seed(settings, args.bookings)
        print(f"store: {url.split(':')[0]}; seeded {args.bookings} bookings in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        server, base = start_server(url, key)
        try:
            measure(args, settings, base, token)
        finally:
            server.terminate()
            server.wait(timeout=10)


def measure(args: argparse.Namespace, settings: ServerSettings, base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    session = requests.Session()
    session.headers.update(headers)
    total, seconds, pages = pull_all(session, base, args.page)
    print(f"pull:   {total} bookings in {seconds:.2f} s ({pages} pages of {args.page}; "
          f"{total / seconds:,.0f} bookings/s; target < 10 s)")  # fmt: skip
    events = min(args.events, args.bookings)
    seconds = push_events(session, base, events, args.batch)
    print(f"events: {events} check-ins in {seconds:.2f} s (batches of {args.batch}; "
          f"{events / seconds:,.0f} events/s; target < 10 s)")  # fmt: skip
    measure_client(args, settings, base, skip=events)

    sessions = [requests.Session() for _ in range(args.threads)]
    for each in sessions:
        each.headers.update(headers)
    pull_url = f"{base}/api/v1/halls/{HALL}/bookings"

    def get(index: int, n: int) -> None:
        since = (n * 37) % max(args.bookings - 50, 1)
        response = sessions[index].get(pull_url, params={"since": since, "limit": 50}, timeout=30)
        response.raise_for_status()

    for threads in (1, args.threads):
        rps = rate(get, threads, args.requests // threads)
        print(f"GET  {pull_url.removeprefix(base)}?limit=50, {threads} client thread(s): "
              f"{rps:,.0f} requests/s")  # fmt: skip

    slots = open_slots(settings, 2 * args.requests)
    if len(slots) < 2 * args.requests:
        print(f"POST skipped: only {len(slots)} online slots open from today")
        return
    serial = iter(range(10**6, 10**7))
    lock = threading.Lock()

    def post(index: int, _n: int) -> None:
        with lock:
            n = next(serial)
            service, start = slots.pop()
        body = {
            "service": service,
            "slot_start": start.isoformat(),
            "channel": "online",
            "name": "王小明",
            "id_number": person(n),
            "phone": "13900000000",
        }
        response = sessions[index].post(pull_url, json=body, timeout=30)
        assert response.status_code == 201, response.text

    for threads in (1, args.threads):
        rps = rate(post, threads, args.requests // threads)
        print(f"POST {pull_url.removeprefix(base)} (new booking), {threads} client thread(s): "
              f"{rps:,.0f} requests/s")  # fmt: skip


def measure_client(
    args: argparse.Namespace, settings: ServerSettings, base: str, skip: int
) -> None:
    """The kiosk side: the sync client pulling into an empty hall store, then draining its
    outbox. Its own device (the raw event path above used the bench device's sequences)."""
    from kiosk.clock import FixedClock
    from kiosk.config import load_hall
    from kiosk.store import repositories as repo
    from kiosk.store.hallstore import HallStore
    from sync.client import HallSync, SyncConfig

    central = open_central(settings, migrate=False)
    with central.transaction() as session:
        _device, token = add_device(session, HALL, "bench-kiosk")
    central.engine.dispose()
    hall = load_hall(HALL)
    clock = FixedClock(HallClock(hall.timezone).now().replace(microsecond=0))
    with (
        tempfile.TemporaryDirectory() as directory,
        scratch_database(args.hall_database_url) as url,
    ):
        url = url or f"sqlite:///{Path(directory) / 'hall.sqlite3'}"
        store = HallStore.open(url, hall, settings.calendar, settings.id_hash_key, terminal="bench")
        config = SyncConfig(base, token, batch_size=args.batch, page_size=args.page)
        sync = HallSync(store, config, clock)
        try:
            started = time.perf_counter()
            pulled = sync.pull()
            seconds = time.perf_counter() - started
            print(f"kiosk pull:  {pulled.bookings} bookings into an empty hall store "
                  f"({url.split(':')[0]}) in {seconds:.2f} s ({pulled.pages} pages; "
                  f"target < 10 s)")  # fmt: skip
            count = min(args.events, args.bookings - skip)
            at = clock.now()
            with store.write() as session:
                for n in range(skip, skip + count):
                    repo.record_event(
                        session, HALL, "booking_checked_in", at, {"booking": f"seed{n:012d}"}
                    )
            started = time.perf_counter()
            pushed = sync.push()
            seconds = time.perf_counter() - started
            assert pushed.events == count and not pushed.refusals, pushed.refusals[:3]
            print(f"kiosk drain: {pushed.events} outbox events in {seconds:.2f} s "
                  f"({pushed.batches} batches of {args.batch}; target < 10 s)")  # fmt: skip
        finally:
            sync.close()
            store.close()


if __name__ == "__main__":
    main()
