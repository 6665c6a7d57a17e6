"""Finding the reader by USB vendor/product id, as `reader_port = "usb:1a86:7523"` asks."""

from __future__ import annotations

import pytest
from serial.tools.list_ports_common import ListPortInfo

from hardware.idcard.driver import IdCardReader, ReaderSettings
from hardware.idcard.ports import PortSpecError, find_usb_port, parse_usb_spec, resolve_port
from kiosk.ports.card_reader import ReaderOffline


def port(device: str, vid: int | None, pid: int | None, serial: str | None = None) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.serial_number = vid, pid, serial
    return info


CONNECTED = [
    port("/dev/ttyS0", None, None),
    port("/dev/ttyUSB1", 0x1A86, 0x7523, "READER-A"),
    port("/dev/ttyUSB0", 0x067B, 0x2303, "PRN"),
]


def test_the_reader_is_found_wherever_the_kernel_put_it() -> None:
    assert find_usb_port("usb:1a86:7523", CONNECTED) == "/dev/ttyUSB1"
    assert find_usb_port("usb:1A86:7523:READER-A", CONNECTED) == "/dev/ttyUSB1"


def test_unplugged_or_ambiguous_reader_is_offline_with_the_reason() -> None:
    with pytest.raises(ReaderOffline, match="no USB serial device 1a86:7523"):
        find_usb_port("usb:1a86:7523", CONNECTED[:1])
    twins = [*CONNECTED, port("/dev/ttyUSB2", 0x1A86, 0x7523, "READER-B")]
    with pytest.raises(ReaderOffline, match=r"add the serial number .*READER-A, READER-B"):
        find_usb_port("usb:1a86:7523", twins)


@pytest.mark.parametrize("spec", ["usb:1a86", "usb:xyz:7523", "usb:1a86:7523:a:b", "usb:10000:1"])
def test_malformed_specs_are_refused_at_start_up(spec: str) -> None:
    with pytest.raises(PortSpecError):
        parse_usb_spec(spec)
    with pytest.raises(ValueError):
        ReaderSettings(port=spec)


def test_other_ports_are_kept_as_they_are() -> None:
    assert resolve_port("/dev/idcard") == "/dev/idcard"
    assert resolve_port("socket://127.0.0.1:5000") == "socket://127.0.0.1:5000"


def test_driver_reports_an_absent_usb_reader_offline() -> None:
    """No such device on this machine: the driver says offline and why, and keeps trying."""
    import queue

    events: queue.Queue = queue.Queue()
    reader = IdCardReader(ReaderSettings(port="usb:1a86:7523:NOT-HERE", reopen_interval=0.05))
    reader.start(events.put)
    try:
        event = events.get(timeout=10)
    finally:
        reader.stop()
    assert isinstance(event.error, ReaderOffline)
    assert "1a86:7523" in str(event.error)
    assert reader.online is False
