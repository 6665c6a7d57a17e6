"""Finding the reader's serial port by its USB vendor and product id.

USB-serial bridges get ``/dev/ttyUSB0`` or ``ttyUSB1`` in the order they are found, and a
re-plugged reader may come back under another name. A device setting
``reader_port = "usb:1a86:7523"`` (optionally ``usb:1a86:7523:SERIAL``) is looked up each time
the driver opens the reader, so it follows the device wherever the kernel puts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.ports.card_reader import ReaderOffline


class PortSpecError(ValueError):
    """A ``usb:`` port setting that is not ``usb:VID:PID[:SERIAL]`` in hexadecimal."""


def parse_usb_spec(spec: str) -> tuple[int, int, str | None]:
    parts = spec.split(":")
    if parts[0] != "usb" or len(parts) not in (3, 4):
        raise PortSpecError(f"{spec!r}: expected usb:VID:PID or usb:VID:PID:SERIAL (hex ids)")
    try:
        vid, pid = int(parts[1], 16), int(parts[2], 16)
    except ValueError:
        raise PortSpecError(
            f"{spec!r}: vendor and product ids are hexadecimal, e.g. 1a86:7523"
        ) from None
    if not (0 <= vid <= 0xFFFF and 0 <= pid <= 0xFFFF):
        raise PortSpecError(f"{spec!r}: ids are 16-bit")
    return vid, pid, (parts[3] if len(parts) == 4 else None)


def find_usb_port(spec: str, ports: Iterable[Any]) -> str:
    """The device path of the one connected port matching ``spec``; ``ReaderOffline`` if none
    matches (the reader is unplugged) or several do (say which serial number to add)."""
    vid, pid, serial_number = parse_usb_spec(spec)
    found = [
        port
        for port in ports
        if port.vid == vid
        and port.pid == pid
        and (serial_number is None or port.serial_number == serial_number)
    ]
    if not found:
        raise ReaderOffline(f"{spec}: no USB serial device {vid:04x}:{pid:04x} connected")
    if len(found) > 1:
        serials = ", ".join(str(p.serial_number) for p in found)
        raise ReaderOffline(
            f"{spec}: {len(found)} devices {vid:04x}:{pid:04x} connected; add the serial number "
            f"(usb:{vid:04x}:{pid:04x}:SERIAL, one of {serials})"
        )
    return str(found[0].device)


def resolve_port(port: str) -> str:
    """A port setting as pyserial opens it: ``usb:`` specs are looked up now, the rest kept."""
    if not port.startswith("usb:"):
        return port
    from serial.tools import list_ports

    return find_usb_port(port, list_ports.comports())
