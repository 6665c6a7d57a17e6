"""Entry point of the ``kiosk`` command.

Each subcommand group lives in its own module with a ``register(subparsers)`` function, so a
group can be added without touching the others. Heavy imports (Kivy, SQLAlchemy, serial) happen
inside the handlers, keeping ``kiosk hours`` fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from kiosk.cli.common import CliError
from kiosk.config import ConfigError
from kiosk.domain.calendar import UnknownYear

COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.cli.schedule",
    "kiosk.cli.demo",
    "kiosk.cli.card",
    "kiosk.cli.queue",
    "kiosk.cli.central",
    "kiosk.cli.sync",
    "kiosk.cli.report",
    "kiosk.cli.doctor",
    "kiosk.cli.calendar",
    "kiosk.cli.queue_page",
    "kiosk.cli.printing",
    "kiosk.cli.run",
    "kiosk.cli.screenshots",
    "kiosk.cli.staff",
)


class _Parser(argparse.ArgumentParser):
    """Argument errors are one line on stderr and exit status 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kiosk", description="hall-kiosk: 政务服务中心自助取号与排队系统")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.handler(args)
    except CliError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return error.exit_status
    except (ConfigError, UnknownYear) as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main())
