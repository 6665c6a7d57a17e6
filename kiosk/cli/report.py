"""``kiosk report``: the hall manager's figures for a day or a range of days."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.common import CliError, parse_date, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser("report", help="tickets, waits, no-shows and extended work")
    report.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    report.add_argument("--date", required=True, type=parse_date, help="YYYY-MM-DD")
    report.add_argument("--to", type=parse_date, help="last day of a range (YYYY-MM-DD)")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    report.add_argument("--png", type=Path, help="also write a chart to this PNG file")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    from kiosk.cli.store import store_for
    from kiosk.reports import build_report, format_csv, format_table

    end = args.to or args.date
    if end < args.date:
        raise CliError("--to must not be before --date")
    store = store_for(args)
    try:
        report = build_report(store, args.date, end)
    finally:
        store.close()
    if args.format == "json":
        print_json(report.as_dict())
    elif args.format == "csv":
        print(format_csv(report), end="")
    else:
        print(format_table(report))
    if args.png:
        from kiosk.report_chart import write_chart

        write_chart(report, args.png)
    return 0
