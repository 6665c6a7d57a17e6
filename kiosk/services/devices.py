"""Device faults of the hall's machines as store events, and the alerts staff see from them.

A kiosk whose printer fails keeps issuing tickets (the number is shown on screen), so the people
who can refill the paper must learn of it elsewhere: the kiosk records ``printer_fault`` in the
hall store, every window console and the hall display read the open alerts back, and the alert
stays until the kiosk records ``printer_ok`` after a later status check or print succeeds.
These events are the hall's own audit: the sync outbox sends only booking and ``ticket_*``
events to the central store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.i18n import _
from kiosk.ports.hall_store import EventRow, Store
from kiosk.ports.printer import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterOffline,
    PrinterWriteError,
)

DEVICES: tuple[str, ...] = ("printer", "reader")
PAGE = 500
_PRINTER_ERRORS = {cls.code: cls for cls in (PrinterError, PaperOut, CoverOpen, PrinterOffline)}
_PRINTER_ERRORS[PrinterWriteError.code] = PrinterWriteError


class DeviceEventError(ValueError):
    """A device event that cannot be recorded as asked (unknown device, empty terminal)."""


def _types(device: str) -> tuple[str, str]:
    if device not in DEVICES:
        raise DeviceEventError(f"unknown device {device!r}; known: {', '.join(DEVICES)}")
    return f"{device}_fault", f"{device}_ok"


ALL_TYPES: tuple[str, ...] = tuple(t for device in DEVICES for t in _types(device))


def record_device_fault(
    store: Store,
    terminal: str,
    kind: str,
    code: str,
    message: str,
    ticket_number: str | None,
    now: datetime,
) -> None:
    """Record that ``kind`` (e.g. "printer") of ``terminal`` failed; one transaction.

    ``ticket_number`` is the ticket that did not come out of the printer, if any: staff can
    tell the person at the front desk that their number is valid.
    """
    fault_type, _ok = _types(kind)
    if not terminal.strip():
        raise DeviceEventError("a device fault needs the terminal it happened on")
    if not code.strip():
        raise DeviceEventError("a device fault needs a code")
    payload = {"device": kind, "code": code, "message": message, "ticket": ticket_number}
    with store.unit() as uow:
        uow.events.add(fault_type, now, payload, terminal)


def record_device_ok(store: Store, terminal: str, kind: str, now: datetime) -> bool:
    """Record that ``kind`` of ``terminal`` works again, if its last word was a fault.

    Returns whether an ``_ok`` event was written; a device that was never faulty (or already
    reported well) writes nothing, so a kiosk may call this after every good print.
    """
    fault_type, ok_type = _types(kind)
    with store.unit() as uow:
        last = uow.events.last_type([fault_type, ok_type], terminal)
        if last != fault_type:
            return False
        uow.events.add(ok_type, now, {"device": kind}, terminal)
        return True


@dataclass(frozen=True)
class DeviceAlert:
    """One device that is failing now: since when, the latest fault, tickets not printed."""

    terminal: str
    device: str
    code: str
    message: str
    since: datetime
    at: datetime
    tickets: tuple[str, ...] = ()

    def headline(self) -> str:
        """The fault in the reader's language (the stored message is the kiosk's words)."""
        if self.device == "printer" and self.code in _PRINTER_ERRORS:
            return _PRINTER_ERRORS[self.code]().headline()
        if self.device == "printer":
            return _("打印机故障，请联系工作人员")
        return _("读卡器故障")

    def text(self) -> str:
        """One line for a console: which machine, what is wrong, which numbers did not print."""
        line = _("{terminal}：{problem}").format(terminal=self.terminal, problem=self.headline())
        if self.tickets:
            line += _("（未打印号票：{numbers}）").format(numbers="、".join(self.tickets))
        return line


@dataclass(frozen=True)
class DeviceAlerts:
    """The open alerts after reading the device events up to ``seq``."""

    alerts: tuple[DeviceAlert, ...] = ()
    seq: int = 0
    by_device: dict[tuple[str, str], DeviceAlert] = field(default_factory=dict, repr=False)


def device_alerts(
    store: Store, since_seq: int = 0, known: DeviceAlerts | None = None
) -> DeviceAlerts:
    """Open device alerts, read incrementally: pass the last answer as ``known`` and its
    ``seq`` as ``since_seq`` to read only the events recorded since (a console polls this)."""
    board = dict(known.by_device) if known is not None else {}
    seq = since_seq
    with store.read_unit() as uow:
        while True:
            events = uow.events.after(seq, ALL_TYPES, PAGE)
            fold(board, events)
            if events:
                seq = events[-1].seq
            if len(events) < PAGE:
                break
    alerts = tuple(sorted(board.values(), key=lambda a: (a.since, a.terminal, a.device)))
    return DeviceAlerts(alerts, seq, board)


def fold(board: dict[tuple[str, str], DeviceAlert], events: Sequence[EventRow]) -> None:
    """Apply device events in order: a fault opens (or updates) an alert, ``_ok`` closes it."""
    for event in events:
        device, _sep, outcome = event.type.rpartition("_")
        key = (event.terminal or "", device)
        if outcome == "ok":
            board.pop(key, None)
            continue
        payload = event.payload
        ticket = payload.get("ticket")
        previous = board.get(key)
        tickets = previous.tickets if previous is not None else ()
        if ticket and ticket not in tickets:
            tickets = (*tickets, str(ticket))
        alert = DeviceAlert(
            terminal=key[0],
            device=device,
            code=str(payload.get("code", "")),
            message=str(payload.get("message", "")),
            since=previous.since if previous is not None else event.at,
            at=event.at,
            tickets=tickets,
        )
        board[key] = alert
