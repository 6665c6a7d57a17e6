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

from kiosk.domain.calendar import UnknownYear
from kiosk.errors import ExitCode, KioskError

COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.app.cli.schedule",
    "kiosk.app.cli.demo",
    "kiosk.app.cli.card",
    "kiosk.app.cli.queue",
    "kiosk.app.cli.db",
    "kiosk.app.cli.clock",
    "kiosk.app.cli.central",
    "kiosk.app.cli.sync",
    "kiosk.app.cli.report",
    "kiosk.app.cli.doctor",
    "kiosk.app.cli.calendar",
    "kiosk.app.cli.queue_page",
    "kiosk.app.cli.printing",
    "kiosk.app.cli.run",
    "kiosk.app.cli.screenshots",
    "kiosk.app.cli.staff",
)


class _Parser(argparse.ArgumentParser):
    """Argument errors are one line on stderr and exit status 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: {message}\n")


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
    except KioskError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return int(error.exit_code)
    except UnknownYear as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return ExitCode.OK
    except Exception as error:
        fault = _driver_fault(error)
        if fault is None:
            raise
        print(f"kiosk: {fault}", file=sys.stderr)
        return int(fault.exit_code)
    return int(status or 0)


def _driver_fault(error: Exception) -> KioskError | None:
    """A database driver error that no engine translated (a store the command opened without
    ``make_engine``) is still one line, never a traceback. SQLAlchemy is imported only then,
    so commands that never touch a store start fast."""
    if not type(error).__module__.startswith("sqlalchemy"):
        return None
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from kiosk.store.errors import StoreFailed, fault_from

    if not isinstance(error, DBAPIError) or isinstance(error, IntegrityError):
        return None
    return fault_from(error, None) or StoreFailed("the hall store", str(error.orig))


if __name__ == "__main__":
    sys.exit(main())
