"""``kiosk demo``: the README's main command.

Until the whole demo hall (issue 9) exists, it prints today's plan and this week's posted
notice for every shipped hall, which is what a hall manager checks first.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from kiosk.cli.common import parse_date
from kiosk.cli.schedule import _today, day_table, week_notice
from kiosk.config import load_calendar, load_halls
from kiosk.domain.schedule import day_plan


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = subparsers.add_parser("demo", help="show the demo hall(s)")
    demo.add_argument("--date", type=parse_date, help="YYYY-MM-DD (default: today)")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    calendar = load_calendar()
    for hall in load_halls().values():
        day = args.date or _today(hall)
        print(day_table(hall, day_plan(hall, day, calendar)))
        print()
        monday = day - timedelta(days=day.weekday())
        plans = [day_plan(hall, monday + timedelta(days=i), calendar) for i in range(7)]
        print(week_notice(hall, plans, calendar))
        print()
    return 0
