"""The processes of the day, each with its own connection to the hall store.

- ``kiosk``: plays the citizens queuing at one kiosk: a card tap → ``check_in`` or
  ``take_ticket`` → the slip to its printer through ``EscposPrinter``; writes a journal line
  before each tap and after each answer (``os.write`` on an append-only file, so a SIGKILL
  loses nothing written), from which a restarted kiosk knows who is still waiting for it;
- ``windows``: clerks at some of the 20 windows: call, wait for the person, start, complete,
  recall and mark no-shows;
- ``display``: polls ``calls_since`` like the hall display;
- ``sync``: the hall's ``SyncWorker`` against the central server through the fault proxy;
- ``printers``: the four printer simulators (one process, a control socket each);
- ``network``: the fault proxy between the hall and the central server.

Times in the logs are wall-clock ``time.time()`` (one clock for every process of the machine);
hall times are ``HallTime.now()``.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.dayinlife.world import DAY, Behaviour, Citizen, HallTime, Kind
from hardware.printer.driver import EscposPrinter
from hardware.printer.simulator import PrinterSimulator
from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile
from kiosk.domain.schedule import day_plan
from kiosk.messages import hours_line
from kiosk.ports.printer import PrinterError, PrinterFault
from kiosk.services import (
    CheckInOutcome,
    TicketView,
    call_next,
    calls_since,
    check_in,
    complete_service,
    no_show,
    recall,
    start_service,
    take_ticket,
)
from kiosk.store import hallclock
from kiosk.store import repositories as repo
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Ticket, TicketStatus
from screens.slips import queue_link, ticket_slip

PRINTABLE = (TicketStatus.WAITING.value, TicketStatus.CALLED.value)
WALK_UP_MINUTES = 0.3
RECALLS = 2  # a clerk calls an absent number twice more, a hall minute apart, then 过号


@dataclass
class Day:
    """What every process of the day knows (inherited through fork, never pickled)."""

    hall_url: str
    hall: HallProfile
    calendar: HolidayCalendar
    clock: HallTime
    citizens: list[Citizen]
    workdir: Path
    seed: int
    printer_ports: list[int] = field(default_factory=list)
    central_url: str = ""
    token: str = ""

    def store(self, terminal: str) -> HallStore:
        from bench.dayinlife.world import KEY

        # The hall clock's guard allows two minutes of *real* clock disagreement between
        # machines; here hall time runs ``speed`` times faster, so a process that waited a
        # fraction of a second for the store arrives "minutes" late: scale the tolerance.
        tolerance = hallclock.TOLERANCE * max(1.0, self.clock.speed)
        return HallStore.open(
            self.hall_url,
            self.hall,
            self.calendar,
            KEY,
            terminal=terminal,
            migrate=False,
            clock_tolerance=tolerance,
        )

    def journal(self, kiosk: int) -> Path:
        return self.workdir / f"kiosk-{kiosk + 1}.jsonl"

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.jsonl"


def quiet() -> None:
    """Children log errors only: an offline link or a paper-out is expected today."""
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


# --- journals ------------------------------------------------------------------------------------


class Journal:
    """JSON lines appended with one ``os.write`` each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, **entry: Any) -> None:
        os.write(self._fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode())

    def close(self) -> None:
        os.close(self._fd)


def read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:  # a line cut by SIGKILL mid-write
            continue
    return entries


class Tail:
    """New lines of several journals, read on demand from where the last read stopped."""

    def __init__(self, paths: list[Path]) -> None:
        self.offsets = {path: 0 for path in paths}

    def new(self) -> Iterator[dict[str, Any]]:
        for path, offset in self.offsets.items():
            if not path.exists():
                continue
            with path.open("rb") as stream:
                stream.seek(offset)
                data = stream.read()
            end = data.rfind(b"\n") + 1
            self.offsets[path] = offset + end
            for line in data[:end].splitlines():
                try:
                    yield json.loads(line)
                except ValueError:
                    continue


# --- kiosk ---------------------------------------------------------------------------------------


def kiosk(day: Day, number: int) -> None:
    """One kiosk: its citizens in order of arrival (and of coming back), until none is left."""
    quiet()
    rng = random.Random(day.seed * 100 + number + int(time.time()))
    store = day.store(f"kiosk-{number + 1}")
    clock = day.clock
    hall = day.hall

    def record_fault(fault: PrinterFault) -> None:
        # The staff alert of the real kiosk is this event in the store's log (local only).
        with store.write() as session:
            repo.record_event(
                session, hall.id, "printer_fault", clock.now(), fault.as_payload(), store.terminal
            )

    port = day.printer_ports[number]
    printer = EscposPrinter(
        f"tcp:127.0.0.1:{port}?profile=80-gb18030&timeout=2",
        listeners=[record_fault],
        confirm_timeout=2.0,
    )
    hours = hours_line(day_plan(hall, DAY, day.calendar))
    journal_path = day.journal(number)
    history = read_lines(journal_path)
    journal = Journal(journal_path)
    mine = {c.index: c for c in day.citizens if c.kiosk == number and c.arrival is not None}
    # Where each citizen stands after a restart: done, coming back later, or mid-tap.
    finished: set[int] = set()
    later: dict[int, datetime] = {}
    tapping: int | None = None
    for entry in history:
        if entry["ev"] == "tap":
            tapping = entry["c"]
        elif entry["ev"] == "done":
            finished.add(entry["c"])
            tapping = None
        elif entry["ev"] == "later":
            later[entry["c"]] = datetime.fromisoformat(entry["at"])
            tapping = None
    queue: list[tuple[datetime, int, int, bool]] = []
    for index, citizen in mine.items():
        if index in finished:
            continue
        assert citizen.arrival is not None
        when = later.get(index, citizen.arrival)
        retap = index == tapping
        if retap:
            when = clock.doors  # the person at the screen when it went dark taps again
        queue.append((when, 0 if retap else 1, index, retap))
    heapq.heapify(queue)
    if tapping is not None:
        journal.write(ev="restart", c=tapping, wall=time.time())
    while queue:
        when, _order, index, retap = queue[0]
        if not clock.sleep_until(when):
            continue
        heapq.heappop(queue)
        citizen = mine[index]
        identity = citizen.identity()
        now = clock.now()
        journal.write(ev="tap", c=index, planned=when.isoformat(), at=now.isoformat())
        tapped = time.time()
        answer = _serve(store, citizen, identity, now)
        if answer.come_back is not None:
            back = answer.come_back + timedelta(minutes=rng.uniform(0, 3))
            journal.write(ev="later", c=index, at=back.isoformat(), reason=answer.reason)
            heapq.heappush(queue, (back, 1, index, False))
            continue
        ticket = answer.ticket
        printed, fault = False, None
        if ticket is not None and ticket.status in PRINTABLE:
            link = queue_link(None, ticket)
            slip = ticket_slip(ticket, hours, hall.phone or None, link, "zh_CN")
            try:
                printer.print_ticket(slip)
                printed = True
            except PrinterError as error:
                fault = error.code  # the number stays on screen; the ticket stays valid
        elapsed = (time.time() - tapped) * 1000
        journal.write(
            ev="done",
            c=index,
            outcome="ticket" if ticket is not None else "refused",
            number=ticket.number if ticket is not None else None,
            ticket_id=ticket.id if ticket is not None else None,
            status=ticket.status if ticket is not None else None,
            kind=ticket.kind if ticket is not None else None,
            priority=ticket.priority_group if ticket is not None else None,
            reason=answer.reason,
            printed=printed,
            fault=fault,
            ms=elapsed,
            retap=retap,
            lag=(now - when).total_seconds() / 60,
        )
    journal.close()
    store.close()


@dataclass(frozen=True)
class _Answer:
    ticket: TicketView | None
    reason: str | None
    come_back: datetime | None = None


def _serve(store: HallStore, citizen: Citizen, identity: Any, now: datetime) -> _Answer:
    """What the kiosk does with one tap: the services decide, the citizen follows the answer."""
    if citizen.kind is Kind.BOOKED:
        result = check_in(store, identity, now)
        if result.outcome in (CheckInOutcome.CHECKED_IN, CheckInOutcome.ALREADY_CHECKED_IN):
            return _Answer(result.ticket, result.outcome.value)
        if result.outcome is CheckInOutcome.TOO_EARLY:
            return _Answer(None, result.outcome.value, result.come_back_at)
        if result.outcome is not CheckInOutcome.TOO_LATE:
            return _Answer(None, result.outcome.value)
        walk_in = take_ticket(store, citizen.service, now, identity)
        if walk_in.ticket is not None:
            return _Answer(walk_in.ticket, "too_late_walk_in")
        return _Answer(None, f"too_late+{walk_in.reason}")
    result_ = take_ticket(store, citizen.service, now, identity)
    if result_.ticket is not None:
        return _Answer(result_.ticket, None)
    if result_.reason == "already_waiting":  # a tap again after a crash: the same ticket
        return _Answer(result_.existing, "already_waiting")
    decision = result_.decision
    if result_.reason == "before_opening" and decision is not None and decision.next_walk_in:
        return _Answer(None, result_.reason, decision.next_walk_in)
    return _Answer(None, result_.reason)


# --- windows -------------------------------------------------------------------------------------


@dataclass
class _Desk:
    number: int
    services: tuple[str, ...]
    due: datetime
    action: str = "look"
    ticket: TicketView | None = None
    recalls: int = 0
    finished: bool = False


def windows(day: Day, numbers: list[int], arrivals_over: EventType, name: str) -> None:
    """Clerks at ``numbers``: a free window calls when someone waits for its services; the
    person walks up (if they know their number and are still here), is served and completed;
    an absent person is recalled twice, then marked 过号."""
    quiet()
    rng = random.Random(day.seed * 1000 + numbers[0])
    store = day.store(name)
    clock = day.clock
    log = Journal(day.log(name))
    citizens = {store.holder_hash(c.id_number): c for c in day.citizens}
    told: set[str] = set()
    tail = Tail([day.journal(k) for k in range(len(day.printer_ports))])
    desks = [_Desk(n, day.hall.window(n).services, clock.doors) for n in numbers]
    waiting: dict[str, int] = {}
    waiting_read = 0.0

    def knows(ticket: TicketView) -> bool:
        if ticket.number not in told:
            told.update(e["number"] for e in tail.new() if e["ev"] == "done" and e["number"])
        return ticket.number in told

    def comes(ticket: TicketView) -> bool:
        with store.read() as session:
            holder = session.execute(
                select(Ticket.holder_hash).where(Ticket.id == ticket.id)
            ).scalar_one()
        citizen = citizens.get(holder) if holder is not None else None
        return citizen is not None and citizen.behaviour is not Behaviour.GONE and knows(ticket)

    def called(desk: _Desk, view: TicketView, kind: str) -> None:
        log.write(ev=kind, number=view.number, window=desk.number, wall=time.time())

    while not all(d.finished for d in desks):
        desk = min((d for d in desks if not d.finished), key=lambda d: d.due)
        if not clock.sleep_until(desk.due, 0.05):
            continue
        now = clock.now()
        minute = timedelta(minutes=1)
        if desk.action == "look":
            if time.time() - waiting_read > 0.05:
                waiting = _waiting(store)
                waiting_read = time.time()
            if not any(waiting.get(s) for s in desk.services):
                if arrivals_over.is_set() and not _open_tickets(store, desk.services):
                    desk.finished = True
                desk.due = now + max(minute, timedelta(seconds=clock.speed * 0.2))
                continue
            result = call_next(store, desk.number, now)
            if result.ticket is None:
                waiting = _waiting(store)
                desk.due = now + minute
                continue
            called(desk, result.ticket, "call")
            desk.ticket, desk.recalls = result.ticket, 0
            desk.action, desk.due = "arrive", now + timedelta(minutes=WALK_UP_MINUTES)
        elif desk.action == "arrive":
            assert desk.ticket is not None
            if comes(desk.ticket):
                start_service(store, desk.number, now)
                desk.action = "complete"
                desk.due = now + timedelta(minutes=rng.uniform(0.5, 2.0))
            elif desk.recalls < RECALLS:
                called(desk, recall(store, desk.number, now), "recall")
                desk.recalls += 1
                desk.due = now + minute
            else:
                no_show(store, desk.number, now)
                desk.action, desk.due, desk.ticket = "look", now, None
        elif desk.action == "complete":
            complete_service(store, desk.number, now)
            desk.action, desk.due, desk.ticket = "look", now, None
    log.close()
    store.close()


def _waiting(store: HallStore) -> dict[str, int]:
    with store.read() as session:
        rows = session.execute(
            select(Ticket.service_id, func.count())
            .where(Ticket.hall_id == store.hall.id, Ticket.day == DAY)
            .where(Ticket.status == TicketStatus.WAITING.value)
            .group_by(Ticket.service_id)
        ).all()
    return {service: int(count) for service, count in rows}


def _open_tickets(store: HallStore, services: tuple[str, ...]) -> int:
    with store.read() as session:
        return int(
            session.execute(
                select(func.count())
                .where(Ticket.hall_id == store.hall.id, Ticket.day == DAY)
                .where(Ticket.service_id.in_(services))
                .where(Ticket.status.in_([TicketStatus.WAITING.value, TicketStatus.CALLED.value]))
            ).scalar_one()
        )


# --- display -------------------------------------------------------------------------------------


def display(day: Day, stop: EventType, every: float) -> None:
    """The hall display's loop: every ``every`` wall seconds, the calls since the last seen."""
    quiet()
    store = day.store("display")
    log = Journal(day.log("display"))
    seq = 0
    while True:
        last_round = stop.is_set()
        while True:
            calls = calls_since(store, seq, limit=200)
            seen = time.time()
            for call in calls:
                log.write(
                    ev="recall" if call.recall else "call",
                    seq=call.seq,
                    number=call.number,
                    window=call.window,
                    wall=seen,
                )
                seq = call.seq
            if len(calls) < 200:
                break
        if last_round:
            break
        time.sleep(every)
    log.close()
    store.close()


# --- sync ----------------------------------------------------------------------------------------


def sync(day: Day, stop: EventType, interval: float) -> None:
    """The hall's sync worker (the hall server's ``kiosk sync`` loop) on the hall clock."""
    quiet()
    from sync.client import Backoff, HallSync, SyncConfig, SyncWorker, Timeouts

    store = day.store("hall-sync")
    log = Journal(day.log("sync"))

    def cycle(outcome: object) -> None:
        failed = isinstance(outcome, BaseException)
        log.write(
            ev="cycle", ok=not failed, error=str(outcome)[:80] if failed else None, wall=time.time()
        )

    config = SyncConfig(
        day.central_url, day.token, timeouts=Timeouts(connect=1.0, read=10.0), batch_size=200
    )
    worker = SyncWorker(
        HallSync(store, config, day.clock),
        interval=interval,
        backoff=Backoff(base=0.2, cap=2.0),
        on_cycle=cycle,
    )
    worker.start()
    stop.wait()
    worker.stop(timeout=30)
    log.close()
    store.close()


# --- printers and network ------------------------------------------------------------------------


def printers(day: Day, count: int, ports: Any, stop: EventType) -> None:
    """The kiosks' printer simulators in one process, each with a control socket."""
    quiet()
    running = [
        PrinterSimulator(port=0, paper_mm=80, control=day.workdir / f"printer-{k + 1}.ctl").start()
        for k in range(count)
    ]
    ports.send([p.port for p in running])
    stop.wait()
    summary = [
        {
            "jobs": len(p.jobs),
            "cut": sum(1 for j in p.jobs if j.cut),
            "rejected": len(p.rejected),
            "errors": len(p.errors),
        }
        for p in running
    ]
    for p in running:
        p.stop()
    (day.workdir / "printers.json").write_text(json.dumps(summary))


def network(upstream: int, port_out: Any, down: EventType, stop: EventType) -> None:
    """The fault proxy between the hall and the central server; ``down`` cuts the link."""
    quiet()
    from tests.sync.faultproxy import FaultProxy

    with FaultProxy(upstream, max_connections=64) as proxy:
        port_out.send(proxy.port)
        while not stop.is_set():
            proxy.down = down.is_set()
            time.sleep(0.02)
