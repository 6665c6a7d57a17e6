"""Several processes sharing one store, as the kiosks and window consoles of a hall do, and
processes killed mid-operation: numbers stay unique and gap-free, no ticket is called twice,
and nothing is half-done."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.config import load_calendar
from kiosk.domain.hall import HallProfile, ServiceWindow
from kiosk.services import call_next, complete_service, start_service, take_ticket
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Counter as TicketCounter
from kiosk.store.models import Event, Ticket
from tests.hall_fixtures import KEY

NOW = datetime(2026, 11, 19, 10, 0)
SERVICE = "social-insurance"
CALL_WINDOWS = (3, 4, 11, 12)

fork = multiprocessing.get_context("fork")


def busy_hall(district: HallProfile) -> HallProfile:
    """The district centre with two more social-insurance windows, so four can call at once."""
    extra = tuple(ServiceWindow(number=n, services=(SERVICE,)) for n in (11, 12))
    return district.model_copy(update={"windows": district.windows + extra})


def _open(url: str, hall: HallProfile, terminal: str) -> HallStore:
    return HallStore.open(url, hall, load_calendar(), KEY, terminal=terminal, migrate=False)


def _take(url: str, hall: HallProfile, count: int, gate: Any, out: Any) -> None:
    store = _open(url, hall, f"kiosk-{os.getpid()}")
    gate.wait()
    numbers = []
    for _ in range(count):
        result = take_ticket(store, SERVICE, NOW)
        assert result.ticket is not None
        numbers.append(result.ticket.number)
    out.put(numbers)


def _call(url: str, hall: HallProfile, window: int, gate: Any, out: Any, done: Any) -> None:
    """Call until the takers have finished and nobody is left waiting."""
    store = _open(url, hall, f"window-{window}")
    gate.wait()
    called = []
    while True:
        takers_finished = done.is_set()
        result = call_next(store, window, NOW + timedelta(minutes=1))
        if result.ticket is not None:
            called.append(result.ticket.id)
        elif takers_finished:
            break
        else:
            time.sleep(0.01)
    out.put(called)


def _run(processes: list[Any]) -> None:
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0, f"worker exited with {process.exitcode}"


def _run_joined(processes: list[Any]) -> None:
    for process in processes:
        process.join(60)
        assert process.exitcode == 0, f"worker exited with {process.exitcode}"


def _drain(queue: Any, count: int) -> list[Any]:
    return [queue.get(timeout=30) for _ in range(count)]


def test_concurrent_kiosks_get_unique_gap_free_numbers(
    database_url: str, district: HallProfile
) -> None:
    gate, out = fork.Barrier(4), fork.Queue()
    workers = [
        fork.Process(target=_take, args=(database_url, district, 15, gate, out)) for _ in range(4)
    ]
    _run(workers)
    numbers = [n for batch in _drain(out, 4) for n in batch]
    assert sorted(numbers) == [f"B{i:03d}" for i in range(1, 61)]


def test_concurrent_windows_never_call_the_same_ticket(
    database_url: str, district: HallProfile
) -> None:
    hall = busy_hall(district)
    store = _open(database_url, hall, "setup")
    for _ in range(30):
        take_ticket(store, SERVICE, NOW)
    gate, out, done = fork.Barrier(6), fork.Queue(), fork.Event()
    callers = [
        fork.Process(target=_call, args=(database_url, hall, window, gate, out, done))
        for window in CALL_WINDOWS
    ]
    takers = [
        fork.Process(target=_take, args=(database_url, hall, 10, gate, out)) for _ in range(2)
    ]
    for process in callers + takers:
        process.start()
    results = _drain(out, 2)  # the takers report first
    _run_joined(takers)
    done.set()
    results += _drain(out, 4)
    _run_joined(callers)
    called = [t for batch in results if batch and isinstance(batch[0], int) for t in batch]
    assert len(called) == len(set(called)) == 50
    with store.read() as session:
        statuses = Counter(s for (s,) in session.execute(select(Ticket.status)))
        call_events = session.execute(select(Event).where(Event.type == "ticket_called")).all()
    # each window's previous ticket is marked missed when it calls the next one
    assert statuses["waiting"] == 0 and sum(statuses.values()) == 50
    assert len(call_events) == 50
    store.close()


def _churn(url: str, hall: HallProfile, seed: int) -> None:
    """Take, call, start and complete tickets for ever, until killed (one console per window)."""
    store = _open(url, hall, f"churn-{seed}")
    rng = random.Random(seed)
    window = (3, 4, 5)[seed % 3]
    while True:
        action = rng.random()
        if action < 0.55:
            take_ticket(store, rng.choice([SERVICE, "real-estate"]), NOW)
        elif call_next(store, window, NOW).ticket is not None and rng.random() < 0.5:
            start_service(store, window, NOW)
            complete_service(store, window, NOW)


def test_killed_processes_leave_no_half_issued_ticket(
    database_url: str, district: HallProfile
) -> None:
    rng = random.Random(7)
    for round_ in range(3):
        workers = [
            fork.Process(target=_churn, args=(database_url, district, round_ * 10 + i))
            for i in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            time.sleep(rng.uniform(0.2, 0.5))
            os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        for worker in workers:
            worker.join(10)
            assert worker.exitcode == -signal.SIGKILL
    store = _open(database_url, district, "check")
    with store.read() as session:
        tickets = session.execute(select(Ticket)).scalars().all()
        events = session.execute(select(Event)).scalars().all()
        counters = {c.prefix: c.value for c in session.execute(select(TicketCounter)).scalars()}
    assert tickets, "the workers issued nothing before being killed"
    for prefix in {t.prefix for t in tickets}:
        serials = sorted(t.serial for t in tickets if t.prefix == prefix)
        assert serials == list(range(1, len(serials) + 1)), f"gap or duplicate in {prefix}"
        assert counters[prefix] == len(serials)
    issued = Counter(e.payload["ticket_id"] for e in events if e.type == "ticket_issued")
    assert all(issued[t.id] == 1 for t in tickets) and len(issued) == len(tickets)
    called = Counter(e.payload["ticket_id"] for e in events if e.type == "ticket_called")
    for ticket in tickets:
        assert called[ticket.id] == (1 if ticket.status != "waiting" else 0)
        if ticket.status == "done":
            assert ticket.started_at is not None and ticket.finished_at is not None
    # the store still works after the crashes
    after = take_ticket(store, SERVICE, NOW)
    assert after.ticket is not None
    assert after.ticket.number == f"B{counters.get('B', 0) + 1:03d}"
    store.close()


@pytest.mark.parametrize("processes", [3])
def test_events_are_numbered_in_commit_order(
    database_url: str, district: HallProfile, processes: int
) -> None:
    """The display reads "calls after N": a reader must never see N+1 before N commits."""
    gate, out = fork.Barrier(processes), fork.Queue()
    workers = [
        fork.Process(target=_take, args=(database_url, district, 10, gate, out))
        for _ in range(processes)
    ]
    _run(workers)
    _drain(out, processes)
    store = _open(database_url, district, "check")
    with store.read() as session:
        rows = session.execute(select(Event.seq, Event.payload).order_by(Event.seq)).all()
    serials = [int(payload["number"][1:]) for _, payload in rows]
    assert serials == sorted(serials)  # issued under the counter lock, so in serial order
    store.close()
