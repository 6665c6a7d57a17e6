from __future__ import annotations

import pytest

from hardware.printer.address import AddressError, parse_address
from hardware.printer.profiles import PrinterProfile
from hardware.printer.status import RealtimeStatus, StatusReplyError, parse_confirm, realtime_bytes
from kiosk.ports.printer import PrinterStatus


def test_forms() -> None:
    usb = parse_address("usb:0x0416:0x5011")
    assert (usb.kind, usb.vendor, usb.product, usb.readable) == ("usb", 0x0416, 0x5011, True)
    assert parse_address("usb://0x0416:0x5011") == usb
    serial = parse_address("serial:/dev/ttyUSB0?baud=9600")
    assert (serial.kind, serial.target, serial.baud) == ("serial", "/dev/ttyUSB0", 9600)
    tcp = parse_address("tcp:192.168.1.50:9100?profile=58-gb18030&timeout=1.5")
    assert (tcp.target, tcp.port, tcp.timeout) == ("192.168.1.50", 9100, 1.5)
    assert tcp.profile == PrinterProfile(58, "gb18030")
    assert parse_address("tcp:printer.local").port == 9100
    lp = parse_address("file:/dev/usb/lp0?paper=58&chinese=raster&qr=image")
    assert (lp.kind, lp.target, lp.readable) == ("file", "/dev/usb/lp0", False)
    assert lp.profile == PrinterProfile(58, "raster", native_qr=False)
    assert str(tcp) == "tcp:192.168.1.50:9100"


@pytest.mark.parametrize(
    "url",
    [
        "lpt:1",
        "usb:0x0416",
        "usb:zz:01",
        "tcp:host:99999",
        "tcp::9100",
        "serial:",
        "file:/x?speed=1",
        "tcp:h:1?paper=57",
        "tcp:h:1?timeout=0",
        "serial:/dev/x?baud=abc",
        "tcp:h:1?chinese=utf8",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(AddressError, match="printer"):
        parse_address(url)


@pytest.mark.parametrize(
    "status",
    [
        PrinterStatus(True, "ok", False),
        PrinterStatus(True, "near_end", False),
        PrinterStatus(False, "out", False),
        PrinterStatus(False, "ok", True),
        PrinterStatus(False, "out", True),
    ],
)
def test_status_bytes_round_trip(status: PrinterStatus) -> None:
    replies = realtime_bytes(status)
    assert RealtimeStatus(replies[1], replies[2], replies[4]).to_status() == status


def test_status_bytes_are_checked() -> None:
    with pytest.raises(StatusReplyError):
        RealtimeStatus(0x00, 0x12, 0x12)
    assert RealtimeStatus(0x16, 0x12, 0x12).to_status().online  # drawer bit does not matter
    assert parse_confirm(0x00) == "ok" and parse_confirm(0x03) == "near_end"
    assert parse_confirm(0x0F) == "out"
    with pytest.raises(StatusReplyError):
        parse_confirm(0x90)
