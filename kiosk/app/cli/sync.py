"""``kiosk sync``: exchange bookings and events with the central booking store.

``kiosk sync`` runs the sync loop in the foreground (a systemd unit on the hall server, or
on the kiosk when it is the only machine): every ``--interval`` seconds while the link is up,
with exponential backoff while it is down. ``--once`` runs one cycle (push the outbox, then
pull the bookings) and exits 0, or 1 with the reason in plain words. ``--status`` prints what
the screens show: online or offline since when, the outbox depth, the last error, and the
bookings made here that the central store refused (staff must tell those people).

The central store's URL and this device's token come from ``[central]`` in the device settings,
or ``KIOSK_CENTRAL_URL`` / ``KIOSK_CENTRAL_TOKEN`` (a token is never taken on the command line,
where other users of the machine could read it).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from kiosk.app.cli.common import CliError, CommandFailed, add_json_flag, parse_minute, print_json
from kiosk.errors import ExitCode

if TYPE_CHECKING:
    from kiosk.clock import Clock
    from kiosk.store.hallstore import HallStore

CENTRAL_URL_ENV = "KIOSK_CENTRAL_URL"
CENTRAL_TOKEN_ENV = "KIOSK_CENTRAL_TOKEN"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sync = subparsers.add_parser(
        "sync", help="push the outbox to and pull bookings from the central booking store"
    )
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one cycle, then exit")
    mode.add_argument("--status", action="store_true", help="show the sync state and exit")
    sync.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    sync.add_argument("--url", help="central store URL (default: [central] url of the settings)")
    sync.add_argument(
        "--interval", type=float, default=10.0, help="seconds between cycles while online"
    )
    sync.add_argument(
        "--attempts", type=int, default=1, help="--once: tries before giving up (backoff)"
    )
    sync.add_argument("--batch", type=int, default=200, help="events per push (1-500)")
    sync.add_argument("--page", type=int, default=1000, help="bookings per pull page (1-1000)")
    sync.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for an answer")
    sync.add_argument(
        "--at", type=parse_minute, help="hall clock fixed at YYYY-MM-DDTHH:MM (tests, replays)"
    )
    add_json_flag(sync)
    sync.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    import logging

    from kiosk.app.cli.store import open_hall_store
    from kiosk.clock import clock_for
    from kiosk.config import load_hall
    from kiosk.settings import load_settings

    if args.interval <= 0 or args.timeout <= 0 or args.attempts < 1:
        raise CliError("--interval and --timeout must be positive, --attempts at least 1")
    settings = load_settings()
    hall = load_hall(settings.require_hall(args.hall))
    clock = clock_for(hall.timezone, args.at)
    store = open_hall_store(settings, hall)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        if args.status:
            return _status(store, clock, args.json)
        url = args.url or os.environ.get(CENTRAL_URL_ENV) or settings.central.url
        token = os.environ.get(CENTRAL_TOKEN_ENV) or settings.central.token
        return _run(args, store, clock, url, token)
    finally:
        store.close()


def _run(
    args: argparse.Namespace, store: HallStore, clock: Clock, url: str | None, token: str | None
) -> int:
    from sync.client import Backoff, SyncFailed, SyncWorker, Timeouts, open_sync
    from sync.state import describe_problem

    try:
        sync = open_sync(
            store,
            url,
            token,
            clock,
            batch_size=args.batch,
            page_size=args.page,
            timeouts=Timeouts(read=args.timeout),
        )
    except SyncFailed as error:
        raise CommandFailed(describe_problem(error.problem.value) or str(error)) from None
    except ValueError as error:
        raise CliError(str(error)) from None
    try:
        if args.once:
            return _once(args, sync, Backoff())
        worker = SyncWorker(sync, interval=args.interval, on_cycle=_printer(args.json))

        def stop(_signum: int, _frame: Any) -> None:
            worker.stop(timeout=0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.run()
        return ExitCode.OK
    finally:
        sync.close()


def _once(args: argparse.Namespace, sync: Any, backoff: Any) -> int:
    import time

    from sync.client import SyncBusy, SyncFailed
    from sync.state import describe_problem

    for attempt in range(1, args.attempts + 1):
        try:
            report = sync.sync_once()
        except SyncBusy as error:
            raise CommandFailed(str(error)) from None
        except SyncFailed as error:
            if attempt == args.attempts:
                text = describe_problem(error.problem.value)
                raise CommandFailed(f"{text} ({error.detail})") from None
            time.sleep(backoff.next())
            continue
        _print_report(report, args.json)
        return ExitCode.OK
    return ExitCode.FAILED


def _report_document(report: Any) -> dict[str, Any]:
    return {
        "pushed": report.push.events,
        "batches": report.push.batches,
        "duplicates": report.push.duplicates,
        "refusals": [vars(refusal) for refusal in report.push.refusals],
        "pulled": report.pull.bookings,
        "pages": report.pull.pages,
        "cursor": report.pull.cursor,
    }


def _print_report(report: Any, as_json: bool) -> None:
    document = _report_document(report)
    if as_json:
        print_json(document)
        return
    print(
        f"pushed {document['pushed']} event(s) in {document['batches']} batch(es), "
        f"pulled {document['pulled']} booking change(s); cursor {document['cursor']}"
    )
    for refusal in report.push.refusals:
        what = refusal.conflict or refusal.reason or refusal.outcome
        print(f"  event {refusal.seq} {refusal.type} {refusal.booking or ''}: {what}")


def _printer(as_json: bool) -> Any:
    def printed(outcome: Any) -> None:
        from sync.client import SyncReport

        if isinstance(outcome, SyncReport):
            if outcome.push.events or outcome.pull.bookings:
                _print_report(outcome, as_json)
        else:
            print(f"sync failed: {outcome}", file=sys.stderr)
        sys.stdout.flush()

    return printed


def _status(store: HallStore, clock: Clock, as_json: bool) -> int:
    from sqlalchemy import select

    from kiosk.store.models import Booking
    from sync.state import read_state, sync_bookings

    now = clock.now()
    state = read_state(store, now)
    with store.read() as session:
        rows = session.execute(
            select(
                Booking.central_id,
                Booking.service_id,
                Booking.slot_start,
                Booking.name_masked,
                Booking.phone_masked,
                sync_bookings.c.reject_message,
            )
            .join(sync_bookings, sync_bookings.c.central_id == Booking.central_id)
            .where(
                Booking.hall_id == store.hall.id,
                Booking.status == "rejected",
                Booking.slot_end >= now,
            )
            .order_by(Booking.slot_start)
        ).all()
    refused = [
        {
            "booking": row.central_id,
            "service": row.service_id,
            "slot_start": row.slot_start.isoformat(timespec="minutes"),
            "name": row.name_masked,
            "phone": row.phone_masked,
            "message": row.reject_message,
        }
        for row in rows
    ]
    if as_json:
        print_json({**state.as_dict(now), "refused_bookings": refused})
        return ExitCode.OK
    print(state.summary(now))
    if state.last_success_at is not None:
        print(f"last success: {state.last_success_at:%Y-%m-%d %H:%M:%S}")
    if state.error_text:
        print(f"last error: {state.error_text} ({state.last_error_detail})")
    for item in refused:
        print(
            f"refused: {item['slot_start']} {item['service']} {item['name']} "
            f"{item['phone'] or ''}: {item['message']}"
        )
    return ExitCode.OK
