"""``kiosk clock status|confirm``: the hall clock's guard, for staff.

When a machine's clock is behind the latest time the store has seen, kiosks and consoles refuse
to issue and call (``kiosk.store.hallclock``). Usually the clock is simply wrong: fix it (NTP)
and the fault clears by itself. When the store's time was the wrong one (a machine ran ahead
and has been corrected), a staff member checks the time on a phone and runs
``kiosk clock confirm`` on a machine whose clock is right: that time becomes the store's.
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.app.cli.common import add_json_flag, parse_minute, print_json
from kiosk.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    clock = subparsers.add_parser("clock", help="the hall clock's guard: status, confirm")
    clock_sub = clock.add_subparsers(dest="clock_command", required=True, metavar="ACTION")
    for name, help_text in (
        ("status", "this machine's time against the latest time the store has seen"),
        ("confirm", "staff: this machine's time is right; make it the store's"),
    ):
        sub = clock_sub.add_parser(name, help=help_text)
        sub.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
        sub.add_argument("--now", type=parse_minute, help=argparse.SUPPRESS)
        add_json_flag(sub)
        sub.set_defaults(handler=run_clock, action=name)


def run_clock(args: argparse.Namespace) -> int:
    from kiosk.app.cli.store import store_for
    from kiosk.clock import clock_for
    from kiosk.store import hallclock

    store = store_for(args)
    try:
        now = clock_for(store.hall.timezone, args.now).now().replace(microsecond=0)
        if args.action == "confirm":
            with store.write() as session:
                before = hallclock.confirm(session, store.hall.id, now, store.terminal)
            document: dict[str, Any] = {
                "now": now.isoformat(timespec="seconds"),
                "replaced": _iso(before.latest_seen),
                "confirmed": True,
            }
            text = f"the store's clock is now {now:%Y-%m-%d %H:%M:%S}" + (
                f" (it had seen {before.latest_seen:%Y-%m-%d %H:%M:%S})"
                if before.latest_seen
                else ""
            )
            status = ExitCode.OK
        else:
            with store.read() as session:
                state = hallclock.state(session, store.hall.id)
            behind = state.latest_seen is not None and hallclock.is_behind(now, state.latest_seen)
            document = {
                "now": now.isoformat(timespec="seconds"),
                "latest_seen": _iso(state.latest_seen),
                "behind": behind,
                "fault_since": _iso(state.behind_since),
                "fault_terminal": state.behind_terminal,
            }
            text = f"this machine: {now:%Y-%m-%d %H:%M:%S}; store: " + (
                f"{state.latest_seen:%Y-%m-%d %H:%M:%S}" if state.latest_seen else "no time yet"
            )
            if behind:
                text += (
                    " — BEHIND: issuing and calling are refused until the clock is right "
                    "or staff run `kiosk clock confirm`"
                )
            status = ExitCode.CLOCK_BEHIND if behind else ExitCode.OK
    finally:
        store.close()
    if args.json:
        print_json(document)
    else:
        print(text)
    return int(status)


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None
