"""``kiosk report``: the hall manager's figures for a day or a range of days."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.app.cli.common import CliError, add_json_flag, parse_date, print_json
from kiosk.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser("report", help="tickets, waits, no-shows and extended work")
    report.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    report.add_argument("--date", required=True, type=parse_date, help="YYYY-MM-DD")
    report.add_argument("--to", type=parse_date, help="last day of a range (YYYY-MM-DD)")
    report.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        help="table (default), csv, or json (the same as --json)",
    )
    add_json_flag(report)
    report.add_argument("--png", type=Path, help="also write a chart to this PNG file")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    from kiosk.app.cli.store import store_for
    from kiosk.clock import HallClock
    from kiosk.reports import build_report, format_csv, format_table

    if args.json and args.format not in (None, "json"):
        raise CliError(f"--json and --format {args.format} disagree: give one")
    form = "json" if args.json else args.format or "table"
    end = args.to or args.date
    if end < args.date:
        raise CliError("--to must not be before --date")
    store = store_for(args)
    try:
        today = HallClock(store.hall.timezone).now().date()
        report = build_report(store, args.date, end, as_of=today)
    finally:
        store.close()
    if form == "json":
        print_json(report.as_dict())
    elif form == "csv":
        print(format_csv(report), end="")
    else:
        print(format_table(report))
    if args.png:
        from kiosk.report_chart import write_chart

        write_chart(report, args.png)
    return ExitCode.OK
