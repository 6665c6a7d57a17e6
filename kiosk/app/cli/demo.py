"""``kiosk demo``: the README's main command, the whole demo hall on one machine.

It starts the central booking store (SQLite, seeded with bookings for today and the coming
days), the ID-card reader and ticket printer simulators, the kiosk, two window consoles, the
hall display and a card drawer, each as its own process over one hall store, prints a short
guide and runs until Ctrl-C. ``--headless`` renders off-screen and plays a scripted scenario
(card tapped, ticket printed, ticket called, shown on the display), writing screenshots: CI runs
it. ``--plans`` prints today's and this week's opening plans of every hall instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.app.cli.common import (
    CliError,
    CommandFailed,
    add_json_flag,
    parse_date,
    parse_minute,
    print_json,
)
from kiosk.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser(
        "demo", help="run the demo hall: central store, kiosk, consoles, display, card drawer"
    )
    demo.add_argument("--hall", default="xixia", help="hall id of config/halls (default: xixia)")
    demo.add_argument(
        "--at",
        type=parse_minute,
        help="run the hall clock from YYYY-MM-DDTHH:MM (default: now, in the hall's time)",
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="render off-screen, play the scripted scenario, write screenshots, exit",
    )
    demo.add_argument(
        "--dir",
        type=Path,
        help="demo directory, emptied at start (default: 'demo' in the platform data directory)",
    )
    demo.add_argument(
        "--windows",
        help="the two window consoles shown, e.g. 1,3 (default: chosen from the bookings)",
    )
    add_json_flag(demo)  # with --headless, the only demo that ends with a report
    demo.add_argument(
        "--plans", action="store_true", help="only print today's and this week's plan of each hall"
    )
    demo.add_argument("--date", type=parse_date, help="--plans: YYYY-MM-DD (default: today)")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    if args.json and not args.headless:
        raise CliError("--json needs --headless: only the headless demo ends with a report")
    if args.json and args.plans:
        raise CliError("--json does not go with --plans: the plans are printed tables")
    if args.plans:
        return print_plans(args)
    from kiosk.app.demo.hall import DemoOptions, call_command
    from kiosk.app.demo.hall import run_demo as run
    from kiosk.app.demo.layout import DemoDirError, default_root
    from kiosk.app.demo.plan import PlanError
    from kiosk.config import load_halls

    halls = load_halls()
    if args.hall not in halls:
        raise CliError(f"unknown hall {args.hall!r}; shipped halls: {', '.join(sorted(halls))}")
    windows = _windows(args.windows, {w.number for w in halls[args.hall].windows})
    options = DemoOptions(
        hall=args.hall,
        root=args.dir or default_root(),
        at=args.at,
        headless=args.headless,
        windows=windows,
    )
    try:
        result = run(options)
    except (DemoDirError, PlanError) as error:
        raise CliError(str(error)) from None
    except RuntimeError as error:  # the first sync failed, a booking was refused
        raise CommandFailed(str(error)) from None
    unclean = {name: status for name, status in result.statuses.items() if status != 0}
    document = {
        "dir": str(result.demo.root),
        "hall": result.hall.id,
        "start": result.start.isoformat(timespec="minutes"),
        "consoles": list(result.consoles),
        "bookings": len(result.plan.bookings),
        "scenario": result.scenario,
        "exit_statuses": result.statuses,
        "timings_s": {k: round(v, 2) for k, v in result.timings.items()},
        "clerk_call": call_command(result, result.consoles[0]),
        "failure": result.failure,
    }
    if args.headless:
        (result.demo.root / "report.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if args.json:
            print_json(document)
        else:
            _print_headless(document)
    if result.failure:
        print(f"kiosk demo: {result.failure}", file=sys.stderr)
        return ExitCode.FAILED
    if unclean:
        shown = ", ".join(f"{name} {status}" for name, status in unclean.items())
        print(f"kiosk demo: not every process stopped cleanly: {shown}", file=sys.stderr)
        print(f"kiosk demo: logs in {result.demo.logs}", file=sys.stderr)
        return ExitCode.FAILED
    if not args.headless:
        print("every process stopped cleanly", file=sys.stderr)
    return ExitCode.OK


def _windows(text: str | None, known: set[int]) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        first, second = (int(part) for part in text.split(","))
    except ValueError:
        raise CliError(f"--windows {text!r}: expected two window numbers, e.g. 1,3") from None
    for number in (first, second):
        if number not in known:
            shown = ", ".join(map(str, sorted(known)))
            raise CliError(f"--windows: the hall has no window {number}; windows: {shown}")
    return first, second


def _print_headless(document: dict[str, object]) -> None:
    scenario = document["scenario"]
    assert isinstance(scenario, dict)
    print(f"demo directory: {document['dir']}")
    if scenario:
        called = scenario.get("called", {})
        print(f"ticket printed: {scenario.get('ticket_png')}")
        print(f"called: {called.get('number')} at window {called.get('window')}")
        print(f"display shows: {scenario.get('display')}")
        print(f"queue page (the ticket's QR code): {scenario.get('queue_page', {}).get('link')}")
        for name, path in scenario.get("screenshots", {}).items():
            print(f"screenshot {name}: {path}")
    print(f"exit statuses: {document['exit_statuses']}")
    print(f"timings (s): {document['timings_s']}")


def print_plans(args: argparse.Namespace) -> int:
    """Today's plan and this week's posted notice for every shipped hall."""
    from kiosk.app.cli.schedule import day_table, hall_today, week_notice, week_plans
    from kiosk.config import load_calendar, load_halls
    from kiosk.domain.schedule import day_plan

    calendar = load_calendar()
    for hall in load_halls().values():
        day = args.date or hall_today(hall)
        print(day_table(hall, day_plan(hall, day, calendar)))
        print()
        print(week_notice(hall, week_plans(hall, day, calendar)))
        print()
    return ExitCode.OK
