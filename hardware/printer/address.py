"""Where the printer is, written as one string in the device settings (``printer_url``).

::

    usb:0x0416:0x5011                 USB vendor:product (usb://0x0416:0x5011 also accepted)
    serial:/dev/ttyUSB0?baud=9600     serial port, baud rate (default 9600)
    tcp:192.168.1.50:9100             network printer (port 9100 if omitted)
    file:/dev/usb/lp0                 device node or file (write only: no status read-back)

Query options for every kind: ``profile=58-raster`` (or ``paper=58``, ``chinese=gb18030``,
``qr=image``) and ``timeout=2`` (seconds to wait for a status reply).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

from hardware.printer.profiles import PrinterProfile, ProfileError

Kind = Literal["usb", "serial", "tcp", "file"]
_QUERY_KEYS = {"profile", "paper", "chinese", "qr", "timeout", "baud"}


class AddressError(ValueError):
    """A printer URL that cannot be used; the message shows the accepted forms."""


_FORMS = (
    "usb:0x0416:0x5011, serial:/dev/ttyUSB0?baud=9600, tcp:192.168.1.50:9100, file:/dev/usb/lp0"
)


@dataclass(frozen=True)
class PrinterAddress:
    kind: Kind
    target: str  # host, device path or file path; "vvvv:pppp" for USB
    port: int = 9100
    vendor: int = 0
    product: int = 0
    baud: int = 9600
    timeout: float = 2.0
    profile: PrinterProfile = field(default_factory=PrinterProfile)

    @property
    def readable(self) -> bool:
        """Can the transport carry the printer's status replies back?"""
        return self.kind != "file"

    def __str__(self) -> str:
        if self.kind == "tcp":
            return f"tcp:{self.target}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor:#06x}:{self.product:#06x}"
        if self.kind == "serial":
            return f"serial:{self.target}?baud={self.baud}"
        return f"file:{self.target}"


def _int(text: str, what: str, url: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise AddressError(f"printer {url!r}: {what} {text!r} is not a number") from None


def _profile(options: dict[str, str], url: str) -> PrinterProfile:
    try:
        if "profile" in options:
            return PrinterProfile.from_name(options["profile"])
        qr = options.get("qr", "native")
        if qr not in ("native", "image"):
            raise AddressError(f"printer {url!r}: qr must be native or image")
        return PrinterProfile(
            paper_mm=_int(options.get("paper", "80"), "paper width", url),
            chinese=options.get("chinese", "raster"),  # type: ignore[arg-type]  # checked there
            native_qr=qr == "native",
        )
    except ProfileError as error:
        raise AddressError(f"printer {url!r}: {error}") from None


def parse_address(url: str) -> PrinterAddress:
    """Read a printer URL; anything unclear is an ``AddressError`` naming the accepted forms."""
    text = url.strip()
    kind, sep, rest = text.partition(":")
    if not sep or kind not in ("usb", "serial", "tcp", "file"):
        raise AddressError(f"printer {url!r}: expected one of {_FORMS}")
    rest = rest.removeprefix("//")
    rest, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=False))
    unknown = set(options) - _QUERY_KEYS
    if unknown:
        raise AddressError(
            f"printer {url!r}: unknown option {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_QUERY_KEYS))}"
        )
    try:
        timeout = float(options.get("timeout", "2"))
    except ValueError:
        raise AddressError(f"printer {url!r}: timeout must be a number of seconds") from None
    if not 0 < timeout <= 60:
        raise AddressError(f"printer {url!r}: timeout must be between 0 and 60 seconds")
    profile = _profile(options, url)
    if not rest:
        raise AddressError(f"printer {url!r}: nothing after '{kind}:'; expected one of {_FORMS}")
    if kind == "usb":
        parts = rest.split(":")
        if len(parts) != 2:
            raise AddressError(f"printer {url!r}: USB needs vendor:product, e.g. usb:0x0416:0x5011")
        vendor, product = (_int(p, "USB id", url) for p in parts)
        if not (0 <= vendor <= 0xFFFF and 0 <= product <= 0xFFFF):
            raise AddressError(f"printer {url!r}: USB ids are 16-bit numbers")
        return PrinterAddress(
            "usb", rest, vendor=vendor, product=product, timeout=timeout, profile=profile
        )
    if kind == "serial":
        baud = _int(options.get("baud", "9600"), "baud rate", url)
        if baud <= 0:
            raise AddressError(f"printer {url!r}: baud rate must be positive")
        return PrinterAddress("serial", rest, baud=baud, timeout=timeout, profile=profile)
    if kind == "tcp":
        host, colon, port_text = rest.rpartition(":")
        if not colon:
            host, port_text = rest, "9100"
        host = host.strip("[]")
        port = _int(port_text, "port", url)
        if not host or not 0 < port < 65536:
            raise AddressError(
                f"printer {url!r}: expected tcp:HOST:PORT, e.g. tcp:192.168.1.50:9100"
            )
        return PrinterAddress("tcp", host, port=port, timeout=timeout, profile=profile)
    return PrinterAddress("file", rest, timeout=timeout, profile=profile)
