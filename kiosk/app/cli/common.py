"""Helpers shared by the subcommands: errors, JSON output and argument parsing."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from kiosk.clock import format_minute as format_minute  # re-exported: the subcommands' home
from kiosk.clock import parse_minute as parse_minute
from kiosk.errors import ExitCode, KioskError


class CliError(KioskError):
    """A problem with what the user asked for; shown as one line on stderr, exit status 2."""

    exit_code = ExitCode.USAGE


class CommandFailed(CliError):
    """The request was understood but could not be carried out (a device error, say): exit 1."""

    exit_code = ExitCode.FAILED


class Refused(CliError):
    """The hall's rules (or the queue's state) refuse the request: exit 3."""

    exit_code = ExitCode.REFUSED


JSON_HELP = "print one JSON document instead of text"


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """``--json`` on a command that reports: the same flag and help on every command, so a
    script (monitoring, the demo's scenario) can ask any of them for one JSON document."""
    parser.add_argument("--json", action="store_true", help=JSON_HELP)


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
