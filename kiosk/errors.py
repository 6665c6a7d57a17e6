"""The exit statuses of every ``kiosk`` command, in one table, and the error base that carries one.

A script (a systemd unit, the hall's monitoring, a backup job) must tell "the hall's rules said
no" from "the disk is full" without parsing messages. Each error class that can end a command
names its status here (python-escpos does the same with ``resultcode`` on its exceptions), and
``kiosk.app.cli.main`` exits with ``error.exit_code``. The table is documented in
``docs/troubleshooting.md``; a status once given keeps its meaning.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    """Understood but not carried out: a device, the network, or an unexpected fault."""
    USAGE = 2
    """Wrong arguments or configuration: fix the command line or the file named."""
    REFUSED = 3
    """The hall's rules refuse the request (walk-ins closed now, too early, one ticket each)."""
    CLOCK_BEHIND = 4
    """This machine's clock is behind the latest time the store has seen: no issuing or calling
    until the clock is right again or staff confirm it (``kiosk clock confirm``)."""
    STORE_UNREACHABLE = 10
    """The store cannot be opened or reached (a missing directory, PostgreSQL down)."""
    STORE_FULL = 11
    """The disk holding the store is full: nothing was written."""
    STORE_DAMAGED = 12
    """The store's file is damaged: ``kiosk db check``, then restore a backup."""
    STORE_NEWER = 13
    """The store was migrated by a newer version of this program."""
    STORE_READ_ONLY = 14
    """The store is on a read-only filesystem, or this user may not write it."""
    STORE_FOREIGN = 15
    """The database belongs to another program: refused untouched."""
    STORE_FAILED = 16
    """Any other store failure (a disk I/O error, a lock held too long)."""
    STAFF_EXIT = 64
    """Staff left kiosk mode with the hidden gesture and the PIN (systemd does not restart)."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C."""


class KioskError(Exception):
    """An error that ends a command with a one-line message and its own exit status."""

    exit_code: ExitCode = ExitCode.FAILED
