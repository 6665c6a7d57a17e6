"""The hall's sync client: pushes the outbox to the central booking store and pulls bookings.

One cycle (``HallSync.sync_once``) first pushes every unsent outbox event in order, in batches,
then pulls the hall's bookings changed since the stored cursor. Push comes first so that what
happened at the hall reaches the centre before the centre's view overwrites the hall's copy;
the conflict rules are in docs/sync.md. A push the store refuses or fails on does not stop the
pull (``PULL_AFTER_PUSH_FAILURE``). A pull sends the last page's ETag, so an unchanged hall
costs the store almost nothing (304); a cursor the store is behind (its database restored
from a backup) gets 409 ``cursor_ahead`` and the client pulls everything again from 0.

Failure model: every HTTP call has a connect and a read timeout; a cycle that fails leaves
everything it did not finish exactly as it was (an event is marked sent only in the transaction
that records the server's answer for it; the cursor moves only with the bookings of its page),
so a retry, a crash or ``kill -9`` at any point is repaired by the next cycle: the server
answers re-sent events as duplicates, and a page pulled twice is written twice to the same rows.
``SyncWorker`` runs cycles in a background thread with exponential backoff and jitter while the
link is down, and records the online/offline state in the hall store (``sync.state``).
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import requests
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.domain.rating import LEVELS
from kiosk.ports.hall_store import FollowUpRecord
from kiosk.store import repositories as repo
from kiosk.store.errors import StoreFault
from kiosk.store.hallstore import HallStore
from sync import outbox
from sync import state as sync_state
from sync.protocol import (
    API_PREFIX,
    FOLLOW_UP_LIST_MAX,
    HALL_TO_WIRE_HOLDER,
    MAX_BATCH,
    MAX_BATCH_BYTES,
    MAX_PAGE,
    BookingOut,
    BookingPage,
    EventBatchResult,
    EventIn,
    EventResult,
    FollowUpItems,
    FollowUpOut,
    Outcome,
)
from sync.state import Problem, sync_bookings

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)
#: The levels whose follow-up state the hall pulls: the 差评 (``RatingLevel.bad``).
BAD_LEVELS = tuple(level.value for level in LEVELS if level.bad)


class SyncFailed(Exception):
    """A cycle stopped; ``problem`` is what the screens show, ``detail`` is for the log."""

    def __init__(self, problem: Problem, detail: str) -> None:
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem
        self.detail = detail


class SyncBusy(Exception):
    """Another terminal holds the hall's sync lease; this one leaves the outbox alone."""


class CursorAhead(Exception):
    """The central store's last change number is below this hall's cursor (its database was
    restored from a backup, or the URL now names another store): pull again from 0."""

    def __init__(self, head: int) -> None:
        super().__init__(f"the central store's head is {head}")
        self.head = head


#: Push failures after which a pull is still worth trying: the store answered, it refused or
#: failed on this batch. (Unreachable, timed out or refused token: the pull would fail too.)
PULL_AFTER_PUSH_FAILURE = frozenset(
    {Problem.SERVER_ERROR, Problem.REFUSED, Problem.BAD_REPLY, Problem.SEQUENCE_BEHIND}
)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect and to wait for each read of an answer (``requests`` semantics)."""

    connect: float = 3.05
    read: float = 20.0

    def pair(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass(frozen=True)
class SyncConfig:
    url: str
    token: str = field(repr=False)
    batch_size: int = 200
    page_size: int = 1000
    timeouts: Timeouts = Timeouts()
    #: How long a terminal's claim to be the hall's sync client lasts without being renewed.
    lease: timedelta = timedelta(minutes=2)
    #: How often the follow-up states of the hall's open 差评 are asked for at most (a 差评
    #: rated since the last time is asked about at the next cycle).
    follow_up_interval: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"central store URL {self.url!r} must start with http:// or https://")
        if not self.token:
            raise ValueError("the central store needs this device's token")
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch size must be 1..{MAX_BATCH}")
        if not 1 <= self.page_size <= MAX_PAGE:
            raise ValueError(f"page size must be 1..{MAX_PAGE}")


# --- HTTP -----------------------------------------------------------------------------------------


class CentralClient:
    """The central store's API for one hall, over one keep-alive ``requests`` session."""

    def __init__(self, config: SyncConfig, hall_id: str) -> None:
        self.config = config
        self.hall_id = hall_id
        self.base = config.url.rstrip("/") + API_PREFIX
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {config.token}"
        self.http.headers["User-Agent"] = "hall-kiosk-sync/1"

    def pull(
        self, since: int, from_day: str, limit: int, etag: str | None = None
    ) -> tuple[BookingPage | None, str | None]:
        """A page of changes after ``since`` and its ETag; ``(None, etag)`` when the server
        answers 304 to ``etag`` (nothing changed). Raises ``CursorAhead``."""
        params = {"since": since, "limit": limit, "from_day": from_day}
        headers = {"If-None-Match": etag} if etag else {}
        path = f"/halls/{self.hall_id}/bookings"
        response = self._send("GET", path, params=params, headers=headers)
        if response.status_code == 304:
            return None, etag
        if response.status_code == 409:
            body = _json_of(response.content)
            if body.get("error") == "cursor_ahead":
                raise CursorAhead(int(body.get("detail", {}).get("head", 0)))
        page = self._answer("GET", path, response, BookingPage)
        return page, response.headers.get("ETag")

    def follow_ups(self, from_day: date, to_day: date, limit: int) -> list[FollowUpOut]:
        """The follow-ups of the hall's 差评 rated from ``from_day`` to ``to_day`` (stage, state
        and deadline only), at most ``limit``: overdue first, then open, then closed."""
        params = {"from_day": from_day.isoformat(), "to_day": to_day.isoformat(), "limit": limit}
        return self._call(
            "GET", f"/halls/{self.hall_id}/follow-ups", FollowUpItems, params=params
        ).root

    def push(self, events: list[EventIn]) -> EventBatchResult:
        body = '{"events":[' + ",".join(event.model_dump_json() for event in events) + "]}"
        return self._call(
            "POST",
            f"/halls/{self.hall_id}/events",
            EventBatchResult,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )

    def _call(self, method: str, path: str, model: type[Model], **options: Any) -> Model:
        return self._answer(method, path, self._send(method, path, **options), model)

    def _send(self, method: str, path: str, **options: Any) -> requests.Response:
        try:
            response = self.http.request(
                method, self.base + path, timeout=self.config.timeouts.pair(), **options
            )
            response.content  # noqa: B018 - read the whole body within the timeouts
        except requests.Timeout as error:
            raise SyncFailed(Problem.TIMEOUT, f"{method} {path}: {error}") from error
        except requests.RequestException as error:
            raise SyncFailed(Problem.UNREACHABLE, f"{method} {path}: {error}") from error
        return response

    def _answer(
        self, method: str, path: str, response: requests.Response, model: type[Model]
    ) -> Model:
        content = response.content
        status = response.status_code
        if status >= 500:
            raise SyncFailed(Problem.SERVER_ERROR, f"{method} {path}: HTTP {status}")
        if status == 401:
            raise SyncFailed(Problem.UNAUTHORIZED, f"{method} {path}: HTTP 401")
        if status == 403:
            raise SyncFailed(Problem.FORBIDDEN, f"{method} {path}: HTTP 403")
        if status != 200:
            raise SyncFailed(
                Problem.REFUSED, f"{method} {path}: HTTP {status}: {_error_of(content)}"
            )
        try:
            return model.model_validate_json(content)
        except ValidationError as error:
            raise SyncFailed(Problem.BAD_REPLY, f"{method} {path}: {error}") from error

    def close(self) -> None:
        self.http.close()


def _json_of(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_of(content: bytes) -> str:
    """The central store's error code and message, never the request (it may hold hashes)."""
    body = _json_of(content)
    if body:
        return f"{body.get('error')}: {body.get('message')}"[:160]
    return content[:80].decode("utf-8", "replace")


# --- one cycle ------------------------------------------------------------------------------------


@dataclass
class Refusal:
    """An event the central store refused or flagged, for the log and ``kiosk sync``."""

    seq: int
    type: str
    booking: str | None
    outcome: str
    reason: str | None
    conflict: str | None
    message: str | None


@dataclass
class PushReport:
    events: int = 0
    batches: int = 0
    duplicates: int = 0
    refusals: list[Refusal] = field(default_factory=list)


@dataclass
class PullReport:
    bookings: int = 0
    pages: int = 0
    cursor: int = 0
    resets: int = 0  # the store was behind the cursor: pulled again from 0


@dataclass
class FollowUpReport:
    """The follow-up pull of a cycle: how many 差评 here are not settled (state unknown or
    not closed), whether they were asked about this cycle, what came back."""

    unsettled: int = 0
    asked: bool = False
    requests: int = 0
    stored: int = 0
    error: str | None = None


@dataclass
class SyncReport:
    push: PushReport
    pull: PullReport
    follow_ups: FollowUpReport = field(default_factory=FollowUpReport)


class HallSync:
    """Push and pull for one hall store and one central store."""

    def __init__(
        self,
        store: HallStore,
        config: SyncConfig,
        clock: Clock,
        *,
        runner: str | None = None,
        central: CentralClient | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.runner = runner or store.terminal
        self.central = central or CentralClient(config, store.hall.id)
        self._zone = ZoneInfo(store.hall.timezone)
        #: The cursor of the last page pulled and its ETag, sent as If-None-Match next time.
        self._etag: tuple[int, str] | None = None
        #: When the follow-up states were last asked for (by this process).
        self._follow_ups_asked: datetime | None = None

    # The cycle -----------------------------------------------------------------------------

    def sync_once(self) -> SyncReport:
        """Push, then pull; the outcome is recorded in the hall store for every screen."""
        hall_id = self.store.hall.id
        with self.store.write() as session:
            if not sync_state.take_lease(
                session, hall_id, self.runner, self.clock.now(), self.config.lease
            ):
                raise SyncBusy(f"another terminal is syncing hall {hall_id}")
        try:
            report = self._push_then_pull()
        except SyncFailed as error:
            log.warning("sync of %s failed: %s", hall_id, error)
            with self.store.write() as session:
                sync_state.record_failure(
                    session, hall_id, self.clock.now(), error.problem, error.detail
                )
            raise
        with self.store.write() as session:
            sync_state.record_success(session, hall_id, self.clock.now())
        report.follow_ups = self._follow_ups_quietly()
        return report

    def _push_then_pull(self) -> SyncReport:
        """Push, then pull even when the push failed on the store's side (a batch it refused
        or choked on): what the centre booked still reaches the hall. The push's failure is
        raised after the pull."""
        try:
            pushed = self.push()
        except SyncFailed as error:
            if error.problem not in PULL_AFTER_PUSH_FAILURE:
                raise
            try:
                self.pull()
            except SyncFailed as pull_error:
                log.warning("pull after a failed push failed too: %s", pull_error)
            raise
        return SyncReport(pushed, self.pull())

    def release(self) -> None:
        with self.store.write() as session:
            sync_state.release_lease(session, self.store.hall.id, self.runner)

    def close(self) -> None:
        self.central.close()

    # Push ----------------------------------------------------------------------------------

    def push(self) -> PushReport:
        """Send the outbox in order until it is empty, one transaction per answered batch."""
        report = PushReport()
        hall_id = self.store.hall.id
        while True:
            with self.store.read() as session:
                rows = outbox.unsent(session, hall_id, self.config.batch_size)
                ids = {b for b in map(outbox.booking_of, rows) if b}
                versions = _versions(session, ids)
                pending = [(row, outbox.outgoing(row, versions)) for row in rows]
            if not pending:
                return report
            # A batch holds at most MAX_BATCH wire events (a row may add a derived one) and
            # MAX_BATCH_BYTES of JSON (the store refuses a larger body with 413).
            while len(pending) > 1 and (
                sum(len(out.wire) for _row, out in pending) > MAX_BATCH
                or sum(out.size for _row, out in pending) > MAX_BATCH_BYTES
            ):
                pending.pop()
            wire = [event for _row, out in pending for event in out.wire]
            result = (
                self.central.push(wire) if wire else EventBatchResult(results=[], last_sequence=0)
            )
            self._record_push(pending, wire, result, report)

    def _record_push(
        self,
        pending: list[tuple[Any, outbox.Outgoing]],
        wire: list[EventIn],
        result: EventBatchResult,
        report: PushReport,
    ) -> None:
        by_key = {r.idempotency_key: r for r in result.results}
        missing = [e.idempotency_key for e in wire if e.idempotency_key not in by_key]
        if missing:
            raise SyncFailed(Problem.BAD_REPLY, f"no outcome for {len(missing)} event(s) sent")
        done: list[int] = []
        answered: list[BookingOut] = []
        behind = 0
        now = self.clock.now()
        with self.store.write() as session:
            for row, out in pending:
                results = [by_key[key] for key in out.keys]
                if any(r.reason == "sequence_out_of_order" for r in results):
                    behind += 1
                    continue
                done.append(out.seq)
                for answer in results:
                    report.duplicates += answer.duplicate
                    if answer.booking is not None:
                        answered.append(answer.booking)
                    if answer.outcome is not Outcome.APPLIED or answer.conflict:
                        refusal = _refusal(row, answer)
                        report.refusals.append(refusal)
                        log.info("central store on outbox event %s: %s", row.seq, refusal)
            self._apply_bookings(session, answered, ())
            repo.mark_pushed(session, done, now)
        report.events += len(done)
        report.batches += 1 if wire else 0
        if behind:
            raise SyncFailed(
                Problem.SEQUENCE_BEHIND,
                f"{behind} event(s) numbered at or below the server's last sequence "
                f"{result.last_sequence} for this device: was the hall store replaced? "
                "give this device a new token",
            )

    # Pull ----------------------------------------------------------------------------------

    def pull(self) -> PullReport:
        """Bookings of the hall from today on, changed since the stored cursor, page by page.

        The server filters by ``from_day`` and still moves the cursor past what it left out; a
        booking is never left out by the client, because a change skipped under a cursor is
        never sent again.
        """
        report = PullReport()
        hall_id = self.store.hall.id
        with self.store.write() as session:
            sync_state.ensure_row(session, hall_id, self.clock.now())
            since = sync_state.cursor(session, hall_id)
        report.cursor = since
        while True:
            etag = self._etag[1] if self._etag and self._etag[0] == since else None
            try:
                page, etag = self.central.pull(
                    since, self.clock.now().date().isoformat(), self.config.page_size, etag
                )
            except CursorAhead as ahead:
                log.warning(
                    "cursor %s of %s is ahead of the central store (head %s): pulling again from 0",
                    since,
                    hall_id,
                    ahead.head,
                )
                report.resets += 1
                if report.resets > 1:
                    raise SyncFailed(
                        Problem.BAD_REPLY, "cursor ahead again after a reset"
                    ) from None
                since, self._etag = 0, None
                continue
            if page is None:  # 304: nothing changed since the cursor
                return report
            if page.hall != hall_id:
                raise SyncFailed(Problem.BAD_REPLY, f"asked for {hall_id}, got {page.hall}")
            with self.store.write() as session:
                frozen = outbox.unsent_booking_ids(session, hall_id)
                self._apply_bookings(session, page.bookings, frozen)
                sync_state.set_cursor(session, hall_id, page.cursor, self.clock.now())
            report.pages += 1
            report.bookings += len(page.bookings)
            report.cursor = since = page.cursor
            if not page.has_more:
                self._etag = (since, etag) if etag else None
                return report

    # Follow-up states of the hall's 差评 ------------------------------------------------------

    def _follow_ups_quietly(self) -> FollowUpReport:
        """The follow-up pull after a good push and pull: its failure is logged and never fails
        the cycle (the events went out, the bookings came in, the screens say online); it is
        tried again when next due."""
        try:
            return self.pull_follow_ups()
        except (SyncFailed, StoreFault) as error:
            log.warning("follow-up states of %s not pulled: %s", self.store.hall.id, error)
            return FollowUpReport(asked=True, error=str(error))

    def pull_follow_ups(self, *, force: bool = False) -> FollowUpReport:
        """Ask the centre about the hall's 差评 whose follow-up is not known or not closed here
        and keep the answers (``kiosk report`` shows them). Nothing is asked when every 差评 is
        settled, and otherwise at most every ``follow_up_interval`` unless a 差评 was rated
        since the last time (``force`` asks now)."""
        now = self.clock.now()
        with self.store.read_unit() as uow:
            unsettled = list(uow.follow_ups.unsettled(BAD_LEVELS))
            known = uow.follow_ups.of_tickets(r.ticket_id for r in unsettled)
        report = FollowUpReport(unsettled=len(unsettled))
        last = self._follow_ups_asked
        due = (
            force
            or last is None
            or now - last >= self.config.follow_up_interval
            or any(r.ticket_id not in known and r.rated_at >= last for r in unsettled)
        )
        if not unsettled or not due:
            return report
        self._follow_ups_asked = now
        report.asked = True
        wanted = {r.ticket_id for r in unsettled}
        items = self._fetch_follow_ups(unsettled[0].day, unsettled[-1].day, report)
        records = [
            FollowUpRecord(
                item.ticket_id,
                item.stage,
                item.state,
                item.due,
                self._local(item.closed_at) if item.closed_at else None,
                now,
            )
            for item in items
            if item.ticket_id in wanted
        ]
        with self.store.unit() as uow:
            uow.follow_ups.put(records)
        report.stored = len(records)
        return report

    def _fetch_follow_ups(
        self, first: date, last: date, report: FollowUpReport
    ) -> list[FollowUpOut]:
        """The items rated from ``first`` to ``last``; a full answer may have left some out, so
        the days are asked again in halves (a single day's full answer is what there is: its
        open and overdue items come first, the closed ones are asked about next time)."""
        items = self.central.follow_ups(first, last, FOLLOW_UP_LIST_MAX)
        report.requests += 1
        if len(items) < FOLLOW_UP_LIST_MAX or first == last:
            return items
        middle = first + (last - first) // 2
        return self._fetch_follow_ups(first, middle, report) + self._fetch_follow_ups(
            middle + timedelta(days=1), last, report
        )

    # Writing the central store's bookings into the hall store ----------------------------------

    def _apply_bookings(
        self, session: Session, bookings: Iterable[BookingOut], frozen: Iterable[str]
    ) -> None:
        """Refresh the hall's copies in two statements (executemany): a booking a check-in,
        service or forfeit made here is not undone by an older central copy (the rule of
        ``kiosk.store.repositories.upsert_booking``, applied to a whole page at once), and a
        booking that an unsent event refers to keeps the version the hall acted on."""
        latest = {booking.id: booking for booking in bookings}  # a page or batch may repeat one
        if not latest:
            return
        frozen = set(frozen)
        repo.upsert_bookings(session, [self._booking_values(b) for b in latest.values()])
        version_rows: list[dict[str, Any]] = []
        kept_rows: list[dict[str, Any]] = []
        for booking in latest.values():
            row = {
                "central_id": booking.id,
                "version": booking.version,
                "conflict": booking.conflict,
                "reject_reason": booking.reject_reason,
                "reject_message": (booking.reject_message or "")[:200] or None,
            }
            (kept_rows if booking.id in frozen else version_rows).append(row)
        _upsert_versions(session, version_rows, with_version=True)
        _upsert_versions(session, kept_rows, with_version=False)

    def _booking_values(self, booking: BookingOut) -> dict[str, Any]:
        local = self._local
        return {
            "central_id": booking.id,
            "hall_id": booking.hall,
            "service_id": booking.service,
            "slot_start": local(booking.slot_start),
            "slot_end": local(booking.slot_end),
            **{hall: getattr(booking, wire) for hall, wire in HALL_TO_WIRE_HOLDER.items()},
            "channel": booking.channel.value,
            "status": booking.status.value,
            "materials": list(booking.materials_zh),
            "created_at": local(booking.created_at),
            "updated_at": local(booking.updated_at),
            "checked_in_at": local(booking.checked_in_at) if booking.checked_in_at else None,
        }

    def _local(self, value: datetime) -> datetime:
        """Hall wall time: the protocol sends it without an offset; one with an offset is
        converted to the hall's timezone."""
        if value.tzinfo is None:
            return value
        return value.astimezone(self._zone).replace(tzinfo=None)


def _versions(session: Session, ids: Iterable[str]) -> dict[str, int]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.execute(
        select(sync_bookings.c.central_id, sync_bookings.c.version).where(
            sync_bookings.c.central_id.in_(ids)
        )
    )
    return {central_id: int(version) for central_id, version in rows}


def _upsert_versions(session: Session, rows: list[dict[str, Any]], *, with_version: bool) -> None:
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(sync_bookings)
    columns = ["conflict", "reject_reason", "reject_message"]
    if with_version:
        columns.append("version")
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["central_id"],
            set_={name: statement.excluded[name] for name in columns},
        ),
        rows,
    )


def _refusal(row: Any, answer: EventResult) -> Refusal:
    booking = answer.booking.id if answer.booking is not None else outbox.booking_of(row)
    return Refusal(
        seq=row.seq,
        type=row.type,
        booking=booking,
        outcome=answer.outcome.value,
        reason=answer.reason,
        conflict=answer.conflict,
        message=answer.message,
    )


# --- retrying in the background -------------------------------------------------------------------


class Backoff:
    """Exponential backoff with "equal jitter": half the step fixed, half random, so a hall's
    terminals coming back after a power cut do not all knock at the same second."""

    def __init__(
        self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        step = min(self.cap, self.base * 2.0**self.failures)
        self.failures += 1
        return step / 2 + self._rng.uniform(0, step / 2)

    def reset(self) -> None:
        self.failures = 0


class SyncWorker:
    """Sync cycles in a background thread: every ``interval`` seconds while the link is up,
    with backoff while it is down, and at once after ``poke()`` (a check-in just happened).

    ``stop()`` returns within its timeout: waiting is on an event, and a call in flight is
    bounded by the HTTP timeouts. The thread is a daemon, so it never holds the UI's exit.
    """

    def __init__(
        self,
        sync: HallSync,
        *,
        interval: float = 10.0,
        backoff: Backoff | None = None,
        on_cycle: Callable[[SyncReport | BaseException], None] | None = None,
    ) -> None:
        self.sync = sync
        self.interval = interval
        self.backoff = backoff or Backoff()
        self.on_cycle = on_cycle
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the sync worker is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="hall-sync", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to end and wait up to ``timeout``; True when it has ended."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            return False
        self._thread = None
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        """The loop itself (``kiosk sync`` runs it in the foreground)."""
        try:
            while not self._stop.is_set():
                delay = self.cycle()
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            try:
                self.sync.release()
            except Exception:  # the store may be gone at shutdown; the lease lapses by itself
                log.exception("could not release the sync lease")

    def cycle(self) -> float:
        """One attempt; returns the seconds to wait before the next."""
        outcome: SyncReport | BaseException
        try:
            outcome = self.sync.sync_once()
        except SyncBusy as error:
            outcome = error
            delay = self.interval
        except SyncFailed as error:
            outcome = error
            delay = self.backoff.next()
        except StoreFault as error:  # disk full, damaged...: one line, not a traceback; retry
            log.error("sync cycle failed: %s", error)
            outcome = error
            delay = self.backoff.next()
        except Exception as error:  # the store itself failed: keep the thread alive, retry
            log.exception("sync cycle failed")
            outcome = error
            delay = self.backoff.next()
        else:
            self.backoff.reset()
            delay = self.interval
        if self.on_cycle is not None:
            self.on_cycle(outcome)
        return delay


def open_sync(
    store: HallStore, url: str | None, token: str | None, clock: Clock, **options: Any
) -> HallSync:
    """A ``HallSync`` from device settings; a missing URL or token is recorded as the hall's
    sync problem (so the screens say why) and raised."""
    if not url or not token:
        with store.write() as session:
            sync_state.record_failure(
                session,
                store.hall.id,
                clock.now(),
                Problem.NOT_CONFIGURED,
                "set [central] url and token in the device settings",
            )
        raise SyncFailed(Problem.NOT_CONFIGURED, "no central store URL or device token set")
    config_options: Mapping[str, Any] = {
        key: value for key, value in options.items() if key != "runner"
    }
    return HallSync(
        store, SyncConfig(url, token, **config_options), clock, runner=options.get("runner")
    )


def start_background_sync(
    store: HallStore, url: str, token: str, clock: Clock, *, interval: float = 10.0
) -> SyncWorker:
    """The kiosk role's sync thread (``kiosk run --role kiosk`` with ``[central]`` set)."""
    worker = SyncWorker(HallSync(store, SyncConfig(url, token), clock), interval=interval)
    worker.start()
    return worker
