"""Queue commands: ``kiosk booking add``, ``checkin``, ``ticket …``, ``services``, ``windows``,
``queue`` and ``close-day``.

They call the same services as the kiosk screens, the window console and the card reader, on
the store named by the device settings (``KIOSK_DATABASE_URL``). ``--now`` replaces the clock,
``--json`` prints one JSON document.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kiosk.app.cli.common import CliError, add_json_flag, parse_minute, print_json
from kiosk.app.cli.store import store_for
from kiosk.errors import ExitCode

if TYPE_CHECKING:
    from kiosk.domain.hall import HallProfile
    from kiosk.domain.identity import Identity
    from kiosk.services.views import TicketView
    from kiosk.store.hallstore import HallStore


def _common(parser: argparse.ArgumentParser, *, now: bool = True) -> None:
    parser.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    if now:
        parser.add_argument(
            "--now", type=parse_minute, help="act as if it were YYYY-MM-DDTHH:MM (hall time)"
        )
    add_json_flag(parser)


def _person(parser: argparse.ArgumentParser, *, name_required: bool) -> None:
    parser.add_argument("--id-number", required=True, help="18-character ID number")
    parser.add_argument("--name", required=name_required, help="name as on the ID card")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    booking = subparsers.add_parser("booking", help="bookings made in the hall")
    booking_sub = booking.add_subparsers(dest="booking_command", required=True, metavar="ACTION")
    add = booking_sub.add_parser("add", help="book a slot (volunteer desk / on-site booking)")
    add.add_argument("--service", required=True, help="service id (see `kiosk services`)")
    add.add_argument("--slot", required=True, type=parse_minute, help="YYYY-MM-DDTHH:MM")
    _person(add, name_required=True)
    add.add_argument("--phone", help="contact phone (stored masked)")
    add.add_argument("--channel", default="on_site", help="on_site (default) | phone | kiosk")
    _common(add)
    add.set_defaults(handler=run_booking_add)

    checkin = subparsers.add_parser("checkin", help="check a booking holder in (card reader)")
    _person(checkin, name_required=False)
    _common(checkin)
    checkin.set_defaults(handler=run_checkin)

    ticket = subparsers.add_parser("ticket", help="take, call and handle queue tickets")
    ticket_sub = ticket.add_subparsers(dest="ticket_command", required=True, metavar="ACTION")
    take = ticket_sub.add_parser("take", help="a walk-in ticket for a service")
    take.add_argument("--service", required=True, help="service id (see `kiosk services`)")
    take.add_argument("--id-number", help="ID number of a tapped card (priority group by age)")
    take.add_argument("--name", help="name on the tapped card")
    _common(take)
    take.set_defaults(handler=run_take)
    for action, help_text in (
        ("call", "call the next ticket to a window"),
        ("recall", "call the window's ticket again (or --number, a missed one)"),
        ("start", "the called person arrived: start serving"),
        ("done", "finish the ticket being served"),
        ("no-show", "the called person did not come"),
        ("transfer", "send the window's ticket to another service's queue"),
        ("pause", "pause a window"),
        ("resume", "open or resume a window"),
        ("close", "close a window"),
    ):
        sub = ticket_sub.add_parser(action, help=help_text)
        sub.add_argument("--window", required=True, type=int, help="window number")
        if action == "recall":
            sub.add_argument("--number", help="a missed ticket's number, e.g. A012")
        if action == "transfer":
            sub.add_argument("--service", required=True, help="the service to transfer to")
        if action == "resume":
            sub.add_argument("--clerk", help="staff id of the clerk at the window")
        _common(sub)
        sub.set_defaults(handler=run_window_action, action=action)

    services = subparsers.add_parser("services", help="the services (items) of a hall")
    _common(services, now=False)
    services.set_defaults(handler=run_services)
    windows = subparsers.add_parser("windows", help="the windows of a hall and what they serve")
    _common(windows, now=False)
    windows.add_argument("--state", action="store_true", help="also read open/paused/closed")
    windows.set_defaults(handler=run_windows)

    queue = subparsers.add_parser("queue", help="waiting and called tickets per service")
    _common(queue)
    queue.set_defaults(handler=run_queue)
    close_day = subparsers.add_parser("close-day", help="forfeit unclaimed bookings at closing")
    _common(close_day)
    close_day.set_defaults(handler=run_close_day)


# --- plumbing --------------------------------------------------------------------------------


def _hall(args: argparse.Namespace) -> HallProfile:
    from kiosk.config import load_hall
    from kiosk.settings import load_settings

    hall_id = args.hall or load_settings().require_hall()
    return load_hall(hall_id)


def _now(args: argparse.Namespace, hall: HallProfile) -> datetime:
    from kiosk.clock import clock_for

    return clock_for(hall.timezone, getattr(args, "now", None)).now().replace(microsecond=0)


def _identity(number: str, name: str | None) -> Identity:
    """A person typed in at the desk: birth date and sex come from the number itself."""
    from kiosk.domain.identity import (
        CardType,
        Identity,
        IdentityError,
        birth_from_number,
        normalise_number,
        sex_from_number,
        validate_id_number,
    )

    try:
        validate_id_number(number)
        value = normalise_number(number)
        card_type = CardType.RESIDENT
        if value[:2] in ("81", "82", "83"):
            card_type = CardType.HMT_RESIDENCE
        elif value[0] == "9":
            card_type = CardType.FOREIGN_PERMANENT
        birth = birth_from_number(value)
        return Identity(
            card_type=card_type,
            name=(name or "").strip() or "持证人",
            name_en=None,
            sex=sex_from_number(value),
            nation="未录入" if card_type is CardType.RESIDENT else None,
            nationality="UNK" if card_type is CardType.FOREIGN_PERMANENT else None,
            birth=birth,
            address=None,
            id_number=value,
            authority="人工录入",
            valid_from=birth,
            valid_to=None,
        )
    except IdentityError as error:
        raise CliError(f"--id-number: {error}") from None


def _run(args: argparse.Namespace, work: Any) -> int:
    """Open the store, run ``work(store, now)`` and turn queue errors into one line."""
    from kiosk.services.bookings import InvalidPhone
    from kiosk.services.errors import QueueError

    store = store_for(args)
    try:
        return int(work(store, _now(args, store.hall)))
    except QueueError as error:  # its exit status says refused (3) or usage (2)
        if args.json:
            print_json({"error": error.code, "message": str(error)})
        raise
    except InvalidPhone as error:
        raise CliError(f"--phone: {error}") from None
    finally:
        store.close()


def ticket_json(view: TicketView) -> dict[str, Any]:
    return {
        "number": view.number,
        "service": view.service_id,
        "service_name": view.service_name_zh,
        "kind": view.kind,
        "priority_group": view.priority_group,
        "status": view.status,
        "window": view.window,
        "ahead": view.ahead,
        "wait_minutes": view.wait_minutes,
        "issued_at": _iso(view.issued_at),
        "called_at": _iso(view.called_at),
        "name": view.name_masked,
        "booking": view.booking_central_id,
        "slot_start": _iso(view.slot_start),
        "slot_end": _iso(view.slot_end),
        "materials": list(view.materials_zh),
    }


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def _ticket_line(view: TicketView) -> str:
    parts = [f"{view.number} {view.service_name_zh}", view.status]
    if view.window is not None:
        parts.append(f"{view.window}号窗口")
    if view.ahead is not None:
        parts.append(f"前面 {view.ahead} 人，约 {view.wait_minutes} 分钟")
    return "  ".join(parts)


# --- handlers --------------------------------------------------------------------------------


def run_booking_add(args: argparse.Namespace) -> int:
    from kiosk.services import add_booking

    identity = _identity(args.id_number, args.name)

    def work(store: HallStore, now: datetime) -> int:
        result = add_booking(
            store, identity, args.service, args.slot, now, channel=args.channel, phone=args.phone
        )
        if args.json:
            print_json(
                {
                    "booking": result.booking.as_dict() if result.booking else None,
                    "reason": result.reason,
                    "message": result.message,
                }
            )
        else:
            print(result.message)
        return ExitCode.OK if result.reason is None else ExitCode.REFUSED

    return _run(args, work)


def run_checkin(args: argparse.Namespace) -> int:
    from kiosk.services import check_in

    identity = _identity(args.id_number, args.name)

    def work(store: HallStore, now: datetime) -> int:
        result = check_in(store, identity, now)
        if args.json:
            print_json(
                {
                    "outcome": result.outcome.value,
                    "ticket": ticket_json(result.ticket) if result.ticket else None,
                    "message": result.message,
                    "booking": result.booking.as_dict() if result.booking else None,
                    "come_back_at": _iso(result.come_back_at),
                    "walk_in_possible": result.walk_in_possible,
                }
            )
        else:
            print(result.message)
            if result.ticket:
                print(_ticket_line(result.ticket))
        return ExitCode.OK if result.ticket is not None else ExitCode.REFUSED

    return _run(args, work)


def run_take(args: argparse.Namespace) -> int:
    from kiosk.services import take_ticket

    identity = _identity(args.id_number, args.name) if args.id_number else None

    def work(store: HallStore, now: datetime) -> int:
        result = take_ticket(store, args.service, now, identity)
        if args.json:
            if result.ticket is not None:
                print_json({"ticket": ticket_json(result.ticket), "message": result.message})
            else:
                print_json({"ticket": None, "reason": result.reason, "message": result.message})
        else:
            print(_ticket_line(result.ticket) if result.ticket else result.message)
        return ExitCode.OK if result.ticket is not None else ExitCode.REFUSED

    return _run(args, work)


def run_window_action(args: argparse.Namespace) -> int:
    from kiosk import services

    def work(store: HallStore, now: datetime) -> int:
        window = args.window
        action = args.action
        document: dict[str, Any]
        if action == "call":
            result = services.call_next(store, window, now)
            document = {"ticket": ticket_json(result.ticket) if result.ticket else None}
            if result.closed_previous is not None:
                document["previous"] = ticket_json(result.closed_previous)
            text = _ticket_line(result.ticket) if result.ticket else "没有等候的号码"
        elif action in ("pause", "resume", "close"):
            if action == "resume":
                view = services.resume_window(store, window, now, args.clerk)
            else:
                view = getattr(services, action)(store, window, now)
            document = {"window": view.number, "state": view.state, "clerk": view.clerk}
            text = f"{view.number}号窗口: {view.state}"
        elif action == "transfer":
            moved = services.transfer(store, window, args.service, now)
            document = {"ticket": ticket_json(moved.new), "from": ticket_json(moved.old)}
            text = f"{moved.old.number} → {_ticket_line(moved.new)}"
        else:
            actions: dict[str, Callable[[], TicketView]] = {
                "recall": lambda: services.recall(store, window, now, args.number),
                "start": lambda: services.start_service(store, window, now),
                "done": lambda: services.complete_service(store, window, now),
                "no-show": lambda: services.no_show(store, window, now),
            }
            ticket = actions[action]()
            document = {"ticket": ticket_json(ticket)}
            text = _ticket_line(ticket)
        if args.json:
            print_json(document)
        else:
            print(text)
        return ExitCode.OK

    return _run(args, work)


def run_services(args: argparse.Namespace) -> int:
    hall = _hall(args)
    rows = [
        {"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "prefix": s.prefix}
        for s in hall.services
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['prefix']:<3}{row['id']:<24}{row['name_zh']} / {row['name_en']}")
    return ExitCode.OK


def run_windows(args: argparse.Namespace) -> int:
    if args.state:
        from kiosk.services import service_windows

        def work(store: HallStore, _now: datetime) -> int:
            rows = [
                {"number": w.number, "services": list(w.services), "state": w.state}
                | {"clerk": w.clerk}
                for w in service_windows(store)
            ]
            _print_windows(args, rows)
            return ExitCode.OK

        return _run(args, work)
    hall = _hall(args)
    _print_windows(args, [{"number": w.number, "services": list(w.services)} for w in hall.windows])
    return ExitCode.OK


def _print_windows(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    if args.json:
        print_json(rows)
        return
    for row in rows:
        state = f"  [{row['state']}]" if "state" in row else ""
        print(f"{row['number']:>3}  {', '.join(row['services'])}{state}")


def run_queue(args: argparse.Namespace) -> int:
    from kiosk.services import queue_overview

    def work(store: HallStore, now: datetime) -> int:
        overview = queue_overview(store, now)
        rows: list[dict[str, Any]] = [
            {
                "service": q.service_id,
                "name_zh": q.name_zh,
                "prefix": q.prefix,
                "waiting": list(q.waiting),
                "called": [{"number": n, "window": w, "status": s} for n, w, s in q.called],
            }
            for q in overview
        ]
        if args.json:
            print_json(rows)
        else:
            for row in rows:
                called = ", ".join(f"{c['number']}→{c['window']}" for c in row["called"])
                print(f"{row['prefix']} {row['name_zh']}: 等候 {len(row['waiting'])} 人", end="")
                print(f"  {' '.join(row['waiting'][:10])}" if row["waiting"] else "", end="")
                print(f"  已叫 {called}" if called else "")
        return ExitCode.OK

    return _run(args, work)


def run_close_day(args: argparse.Namespace) -> int:
    from kiosk.services import close_day

    def work(store: HallStore, now: datetime) -> int:
        closing = close_day(store, now)
        document = {
            "state": closing.state.value,
            "forfeited": [b.as_dict() for b in closing.forfeited],
            "still_waiting": closing.still_waiting,
            "stale_cancelled": closing.stale_cancelled,
        }
        if args.json:
            print_json(document)
        else:
            print(
                f"视为自动放弃的预约 {len(closing.forfeited)} 个；"
                f"仍在等候/办理 {closing.still_waiting} 人（继续办理完毕）"
            )
        return ExitCode.OK

    return _run(args, work)
