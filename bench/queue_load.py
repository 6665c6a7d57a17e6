"""Queue throughput and latency on SQLite and PostgreSQL, and a busy county hall's day.

    .venv/bin/python bench/queue_load.py [--pg postgresql+psycopg://postgres@127.0.0.1:5433/postgres]
                                    [--ops 300] [--day-tickets 5000] [--day-windows 20]

For 1, 4 and 16 concurrent processes: each process takes ``--ops`` walk-in tickets, then calls
them at its own window; throughput is all operations over the wall time of the phase, latencies
are per call. The day replay plays ``--day-tickets`` arrivals over a working day at
``--day-windows`` windows through the real services with a simulated clock, in one process.
Without ``--pg`` (or ``KIOSK_TEST_POSTGRES_URL``) only SQLite is measured.
"""

from __future__ import annotations

import argparse
import heapq
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.config import load_calendar, load_hall
from kiosk.domain.hall import HallProfile, Service, ServiceWindow
from kiosk.services import call_next, complete_service, start_service, take_ticket
from kiosk.store.db import make_engine, upgrade
from kiosk.store.hallstore import HallStore

KEY = b"bench-key-0123456789abcdef0123456789"
DAY = datetime(2026, 11, 19, 9, 0)  # a working Thursday
fork = multiprocessing.get_context("fork")


def bench_hall(windows: int) -> HallProfile:
    """The district centre with one service per window group, ``windows`` windows in all."""
    base = load_hall("pinggu-district")
    services = base.services
    rows = tuple(
        ServiceWindow(number=n, services=(services[(n - 1) % len(services)].id,))
        for n in range(1, windows + 1)
    )
    return base.model_copy(update={"windows": rows})


def fresh_url(kind: str, pg_base: str | None, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
    assert pg_base is not None
    from sqlalchemy import create_engine

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    return f"{pg_base}{'&' if '?' in pg_base else '?'}options=-csearch_path%3D{schema}"


def prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def _worker(url: str, hall: HallProfile, index: int, ops: int, gate: Any, out: Any) -> None:
    store = HallStore(make_engine(url), hall, load_calendar(), KEY, f"bench-{index}")
    window = hall.windows[index]
    service = window.services[0]
    now = DAY  # one hall clock: the store refuses a process whose clock is behind another's
    take_ms = []
    gate.wait()
    for _ in range(ops):
        t0 = time.perf_counter()
        result = take_ticket(store, service, now)
        take_ms.append((time.perf_counter() - t0) * 1000)
        assert result.ticket is not None, result.message
    gate.wait()
    call_ms = []
    for _ in range(ops):
        t0 = time.perf_counter()
        call_next(store, window.number, now)
        call_ms.append((time.perf_counter() - t0) * 1000)
    gate.wait()
    out.put((take_ms, call_ms))
    store.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_concurrent(url: str, processes: int, ops: int) -> dict[str, float]:
    hall = bench_hall(max(processes, 5))
    prepare(url)
    gate, out = fork.Barrier(processes + 1), fork.Queue()
    workers = [
        fork.Process(target=_worker, args=(url, hall, i, ops, gate, out)) for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    gate.wait()
    t0 = time.perf_counter()
    gate.wait()
    t1 = time.perf_counter()
    gate.wait()
    t2 = time.perf_counter()
    results = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join()
    take = [v for r in results for v in r[0]]
    call = [v for r in results for v in r[1]]
    return {
        "take_per_s": len(take) / (t1 - t0),
        "take_p50": statistics.median(take),
        "take_p95": percentile(take, 0.95),
        "call_per_s": len(call) / (t2 - t1),
        "call_p50": statistics.median(call),
        "call_p95": percentile(call, 0.95),
    }


def busy_day(url: str, tickets: int, windows: int, seed: int = 1) -> tuple[float, dict[str, int]]:
    """Replay a day: arrivals spread over 08:30-17:00, windows call, serve and complete."""
    hall = bench_hall(windows)
    prepare(url)
    # The replay records a service's completion when it is called, ahead of earlier arrivals
    # still to come: a tolerance of the whole day keeps the clock guard (issue 15) out of it.
    store = HallStore(make_engine(url), hall, load_calendar(), KEY, "replay", timedelta(hours=9))
    rng = random.Random(seed)
    opening, last_arrival = DAY.replace(hour=8, minute=30), DAY.replace(hour=16, minute=59)
    span = (last_arrival - opening).total_seconds()
    services: tuple[Service, ...] = hall.services
    arrivals = sorted(opening + timedelta(seconds=rng.uniform(0, span)) for _ in range(tickets))
    # events: (time, order, kind, payload); windows free at opening
    queue: list[tuple[datetime, int, str, Any]] = []
    order = 0
    for moment in arrivals:
        queue.append((moment, order, "arrive", rng.choice(services).id))
        order += 1
    for window in hall.windows:
        queue.append((opening, order, "free", window.number))
        order += 1
    heapq.heapify(queue)
    counts = {"issued": 0, "refused": 0, "called": 0, "idle_polls": 0}
    arrivals_left = len(arrivals)
    t0 = time.perf_counter()
    while queue:
        moment, _, kind, payload = heapq.heappop(queue)
        if kind == "arrive":
            result = take_ticket(store, payload, moment)
            counts["issued" if result.ticket else "refused"] += 1
            arrivals_left -= 1
            continue
        number = payload
        called = call_next(store, number, moment)
        if called.ticket is None:
            # an idle window looks again a minute later while people may still come
            if arrivals_left or counts["called"] < counts["issued"]:
                counts["idle_polls"] += 1
                heapq.heappush(queue, (moment + timedelta(minutes=1), order, "free", number))
                order += 1
            continue
        counts["called"] += 1
        # 5,000 people at 20 windows in 8.5 hours is about 2 minutes a person: walking up takes
        # 0.3 min, service 0.5-2.5 min, so the hall keeps up and finishes soon after closing.
        start_service(store, number, moment + timedelta(minutes=0.3))
        done_at = moment + timedelta(minutes=0.3 + rng.uniform(0.5, 2.5))
        complete_service(store, number, done_at)
        heapq.heappush(queue, (done_at, order, "free", number))
        order += 1
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("KIOSK_TEST_POSTGRES_URL"))
    parser.add_argument("--ops", type=int, default=300, help="tickets per process")
    parser.add_argument("--day-tickets", type=int, default=5000)
    parser.add_argument("--day-windows", type=int, default=20)
    parser.add_argument("--day-only", action="store_true", help="skip the concurrency table")
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if args.pg else [])
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        print(f"# queue benchmark: {os.cpu_count()} CPUs, {args.ops} tickets per process")
        if not args.day_only:
            print("store       procs  take/s  take p50  take p95  call/s  call p50  call p95  (ms)")
        for kind in kinds if not args.day_only else []:
            for processes in (1, 4, 16):
                url = fresh_url(kind, args.pg, workdir)
                ops = max(args.ops // max(processes // 4, 1), 20)
                r = run_concurrent(url, processes, ops)
                print(
                    f"{kind:<11} {processes:>5} {r['take_per_s']:>7.0f} {r['take_p50']:>9.2f}"
                    f" {r['take_p95']:>9.2f} {r['call_per_s']:>7.0f} {r['call_p50']:>9.2f}"
                    f" {r['call_p95']:>9.2f}"
                )
        print()
        for kind in kinds:
            url = fresh_url(kind, args.pg, workdir)
            elapsed, counts = busy_day(url, args.day_tickets, args.day_windows)
            print(
                f"busy day on {kind}: {args.day_tickets} arrivals, {args.day_windows} windows:"
                f" {elapsed:.1f} s ({counts['issued']} issued, {counts['refused']} refused,"
                f" {counts['called']} called and served, {counts['idle_polls']} idle polls)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
