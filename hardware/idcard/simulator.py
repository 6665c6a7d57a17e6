"""A virtual ID-card reader that answers the real SAM frames on a pty or a TCP socket.

It paces its replies to the wire time of its baud rate (a pty moves 1,300 bytes in under a
millisecond, a real 9600-baud line takes 1.35 s), holds one scripted card at a time and can
inject the faults a real reader shows: no card, a card pulled away between select and read, a
bad checksum, line garbage, a reply cut short, a reader that stops answering, SAM failures.

Like a real reader, it answers "no card" to *find* after a successful read until the card is
removed and placed again, so a tap is a tap. In-process users (tests, the demo's card drawer)
call ``place_card``/``remove_card``/``set_fault``; other processes talk to the control socket
``<link>.ctl`` (one JSON object per line, see ``ControlServer`` and ``send_control``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import select
import socket
import tempfile
import threading
import time
import tty
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from hardware.idcard.card import build_read_data
from hardware.idcard.cardfile import SimulatedCard, card_from_dict, load_card
from hardware.idcard.codec import (
    BAUD_SELECTORS,
    MIN_LEN,
    PREAMBLE,
    SET_BAUD_CMD,
    BadChecksum,
    BadLength,
    Command,
    FrameParser,
    Request,
    ResultCode,
    encode_reply,
)

log = logging.getLogger(__name__)

CHUNK = 16  # bytes handed over per pacing step (a USB-serial chip delivers packets too)
SAM_ID = bytes.fromhex("0500010021436587a9cbed0f11223344")


class Fault(StrEnum):
    NO_CARD = "no_card"  # find answers "no card" even with a card placed
    REMOVE_BEFORE_READ = "remove_before_read"  # the card leaves after select, read fails
    CHECKSUM = "checksum"  # the reply's checksum byte is wrong
    GARBAGE = "garbage"  # random bytes on the line before the reply
    TRUNCATED = "truncated"  # only the first part of the reply is sent
    STALL = "stall"  # the reader says nothing at all
    SAM_FAILURE = "sam_failure"  # every answer carries a SAM failure code (default 60)
    FLIP = "flip"  # the name's first two characters damaged alike, unseen by the XOR checksum


#: Names accepted for ``on``: which command a fault hits.
FAULT_TARGETS: dict[str, tuple[int, ...]] = {
    "find": (Command.FIND_CARD,),
    "select": (Command.SELECT_CARD,),
    "read": (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT),
    "status": (Command.SAM_STATUS,),
}


#: Faults that only make sense for one command hit it even without ``on``.
_NATURAL_TARGETS: dict[Fault, str] = {
    Fault.NO_CARD: "find",
    Fault.REMOVE_BEFORE_READ: "read",
    Fault.FLIP: "read",
}
#: Where a read reply's text block starts: preamble, LEN, SW1-SW3 and the two block lengths.
TEXT_IN_REPLY = 5 + 2 + 3 + 4


@dataclass
class FaultPlan:
    fault: Fault
    on: str | None = None  # None: every command
    times: int | None = None  # None: until cleared
    code: int = ResultCode.SAM_SELF_TEST_FAILED

    def hits(self, request: Request) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        on = self.on or _NATURAL_TARGETS.get(self.fault)
        return on is None or request.code in FAULT_TARGETS[on]


class CardState(StrEnum):
    ABSENT = "absent"
    PRESENT = "present"  # in the field, awake
    SELECTED = "selected"
    HALTED = "halted"  # read done: silent until it leaves the field


def wire_time(nbytes: int, baudrate: int) -> float:
    """Seconds the bytes take on an 8N1 line (10 bits a byte)."""
    return nbytes * 10 / baudrate


class _PtyLink:
    """The reader's end of a pseudo-terminal; the host opens the slave (or the symlink to it)."""

    def __init__(self, link: Path | None) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tty.setraw(self.master)
        self.device = os.ttyname(self._slave)
        self.link = link
        if link is not None:
            temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            temporary.symlink_to(self.device)
            os.replace(temporary, link)

    @property
    def url(self) -> str:
        return str(self.link or self.device)

    def wait_readable(self, timeout: float) -> bool:
        return bool(select.select([self.master], [], [], timeout)[0])

    def read(self) -> bytes:
        try:
            return os.read(self.master, 4096)
        except OSError:  # no slave open at the moment (EIO): nothing to read
            time.sleep(0.02)
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                select.select([], [self.master], [], 0.05)
                continue
            view = view[written:]

    def close(self) -> None:
        if self.link is not None and self.link.is_symlink():
            with contextlib.suppress(OSError):
                if os.readlink(self.link) == self.device:
                    self.link.unlink()
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class _SocketLink:
    """A TCP listener for pyserial's ``socket://host:port``; one host connection at a time."""

    def __init__(self, host: str, port: int) -> None:
        self._server = socket.create_server((host, port))
        self._server.setblocking(False)
        self.host, self.port = self._server.getsockname()[:2]
        self._client: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def wait_readable(self, timeout: float) -> bool:
        sock = self._client or self._server
        if not select.select([sock], [], [], timeout)[0]:
            return False
        if self._client is None:
            with contextlib.suppress(BlockingIOError):
                self._client, _ = self._server.accept()
                self._client.setblocking(True)
                self._client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return False
        return True

    def read(self) -> bytes:
        if self._client is None:
            return b""
        try:
            data = self._client.recv(4096)
        except OSError:
            data = b""
        if not data:
            self._client.close()
            self._client = None
        return data

    def write(self, data: bytes) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.sendall(data)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._server.close()


class ReaderSimulator:
    """A scripted reader. ``start()`` it, point a driver at ``url``, then place cards."""

    def __init__(
        self,
        baudrate: int = 115200,
        *,
        link: str | Path | None = None,
        tcp: tuple[str, int] | None = None,
        reply_delay: float = 0.0,
        reply_at_new_rate: bool = False,
        halts_after_read: bool = True,
        seed: int | None = None,
    ) -> None:
        """``link`` is a stable symlink path to the pty; ``tcp`` serves a socket instead.

        Without either, the link goes into a private temporary folder: a host is never handed
        the bare ``/dev/pts/N``. Pty numbers are recycled machine-wide as soon as one closes,
        so a driver reopening a bare pty path after an unplug (or after this simulator stopped)
        opens whichever program's pty got that number next, and two hosts on one pty steal each
        other's replies (pyserial: "device reports readiness to read but returned no data").
        A link, like udev's ``/dev/serial/by-id``, vanishes on unplug and follows the replug.

        ``reply_delay`` models the reader's own work before it answers (0: wire time only).
        ``halts_after_read=False`` models readers that keep answering "found" for a card that
        was read and still lies there.
        """
        self.initial_baudrate = baudrate
        self.baudrate = baudrate
        self.tcp = tcp
        self._private_link = link is None and tcp is None
        if link is None and tcp is None:
            link = Path(tempfile.mkdtemp(prefix="idcard-sim-")) / "reader"
        self.link = Path(link) if link is not None else None
        self.reply_delay = reply_delay
        self.reply_at_new_rate = reply_at_new_rate
        self.halts_after_read = halts_after_read
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._card: SimulatedCard | None = None
        self._state = CardState.ABSENT
        self._session = False  # select done, no find since: a lost read reply may be re-read
        self._fault: FaultPlan | None = None
        self._link: _PtyLink | _SocketLink | None = None
        self._parser = FrameParser(min_len=MIN_LEN)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._plugged = threading.Event()
        self._control: ControlServer | None = None
        self.requests: list[int] = []  # command codes received, in order
        self.card_reads = 0  # successful text reads
        self.found_at: float | None = None  # monotonic time a find first saw the placed card
        self.placements = 0

    # -- life cycle -------------------------------------------------------------------------
    def start(self, control: bool = False) -> ReaderSimulator:
        self._open_link()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-simulator", daemon=True)
        self._thread.start()
        if control:
            if self.link is None or self._private_link:
                raise ValueError("the control socket sits next to the link: give link=")
            self._control = ControlServer(self, control_path(self.link))
            self._control.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._control is not None:
            self._control.stop()
            self._control = None
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._close_link()
        if self._private_link and self.link is not None:
            with contextlib.suppress(OSError):
                self.link.parent.rmdir()

    def __enter__(self) -> ReaderSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """What to hand the driver: the link path, the pty device or ``socket://host:port``."""
        with self._lock:
            if self._link is None:
                raise RuntimeError("the simulated reader is unplugged")
            return self._link.url

    def _open_link(self) -> None:
        with self._lock:
            if self.tcp is not None:
                self._link = _SocketLink(*self.tcp)
                self.tcp = (self._link.host, self._link.port)  # keep the port across re-plugs
            else:
                if self._private_link and self.link is not None:
                    self.link.parent.mkdir(exist_ok=True)  # removed by a previous stop()
                self._link = _PtyLink(self.link)
            self._parser.reset()
            self.baudrate = self.initial_baudrate
            self._plugged.set()

    def _close_link(self) -> None:
        with self._lock:
            self._plugged.clear()
            if self._link is not None:
                self._link.close()
                self._link = None

    def unplug(self) -> None:
        """Pull the reader's cable: the host's port fails and the link path disappears."""
        self._close_link()

    def plug(self) -> None:
        """Plug it back in: a new pty (the link path points to it again), SAM reset."""
        if self._link is None:
            self._open_link()

    # -- the card drawer -----------------------------------------------------------------
    def place_card(self, card: SimulatedCard) -> None:
        """Put a card on the reader (a new tap even if it is the card just taken off)."""
        with self._lock:
            self._card = card
            self._state = CardState.PRESENT
            self._session = False
            self.found_at = None
            self.placements += 1

    def remove_card(self) -> None:
        with self._lock:
            self._card = None
            self._state = CardState.ABSENT

    @property
    def card(self) -> SimulatedCard | None:
        return self._card

    @property
    def card_state(self) -> CardState:
        return self._state

    def set_fault(
        self,
        fault: Fault | str,
        *,
        on: str | None = None,
        times: int | None = None,
        code: int = ResultCode.SAM_SELF_TEST_FAILED,
    ) -> None:
        """Inject a fault into the next ``times`` replies to ``on`` (find/select/read/status)."""
        if on is not None and on not in FAULT_TARGETS:
            raise ValueError(f"unknown command {on!r}; one of {', '.join(FAULT_TARGETS)}")
        with self._lock:
            self._fault = FaultPlan(Fault(fault), on, times, code)

    def clear_fault(self) -> None:
        with self._lock:
            self._fault = None

    def status(self) -> dict[str, Any]:
        with self._lock:
            fault = self._fault
            return {
                "url": self._link.url if self._link else None,
                "plugged": self._link is not None,
                "baudrate": self.baudrate,
                "card": (self._card.label or self._card.identity.masked_name)
                if self._card
                else None,
                "card_state": self._state.value,
                "fault": None
                if fault is None
                else {"fault": fault.fault.value, "on": fault.on, "times": fault.times},
                "card_reads": self.card_reads,
            }

    # -- serving --------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            link = self._link
            if link is None:
                self._plugged.wait(0.1)
                continue
            try:
                if not link.wait_readable(0.1):
                    continue
                data = link.read()
            except (OSError, ValueError):  # closed under us by unplug()
                time.sleep(0.02)
                continue
            for item in self._parser.feed(data):
                if isinstance(item, bytes):
                    self._answer(link, Request.from_payload(item))
                elif isinstance(item, BadChecksum):
                    self._send(link, encode_reply(ResultCode.HOST_CHECKSUM_ERROR))
                elif isinstance(item, BadLength):
                    self._send(link, encode_reply(ResultCode.HOST_LENGTH_ERROR))

    def _reply_for(self, request: Request) -> tuple[bytes, int | None]:
        """The reply frame and, for ``60 xx``, the rate to switch to afterwards."""
        code = request.code
        card = self._card
        if code == Command.FIND_CARD:
            self._session = False
            if card is not None and self._state in (CardState.PRESENT, CardState.SELECTED):
                if self._state is CardState.PRESENT and self.found_at is None:
                    self.found_at = time.monotonic()
                self._state = CardState.PRESENT
                return encode_reply(ResultCode.CARD_FOUND, bytes(4)), None
            return encode_reply(ResultCode.NO_CARD), None
        if code == Command.SELECT_CARD:
            if card is not None and self._state in (CardState.PRESENT, CardState.SELECTED):
                self._state = CardState.SELECTED
                self._session = True
                return encode_reply(ResultCode.SUCCESS, bytes(8)), None
            return encode_reply(ResultCode.SELECT_FAILED), None
        if code in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT):
            # a read repeated before the next find is answered again (the host lost the reply)
            readable = self._state is CardState.SELECTED or (
                self._state is CardState.HALTED and self._session
            )
            if card is None or not readable:
                return encode_reply(ResultCode.READ_FAILED), None
            text = card.text_block()
            photo = card.photo if card.photo is not None else bytes(1024)
            if code == Command.READ_TEXT_PHOTO:
                data = build_read_data(text, photo)
            else:
                data = (
                    len(text).to_bytes(2, "big")
                    + len(photo).to_bytes(2, "big")
                    + (0).to_bytes(2, "big")
                    + text
                    + photo
                )
            self._state = CardState.HALTED if self.halts_after_read else CardState.PRESENT
            self.card_reads += 1
            return encode_reply(ResultCode.SUCCESS, data), None
        if code == Command.READ_NEW_ADDRESS:
            return encode_reply(ResultCode.NO_CONTENT), None
        if code in (Command.SAM_STATUS, Command.RESET_SAM):
            return encode_reply(ResultCode.SUCCESS), None
        if code == Command.SAM_ID:
            return encode_reply(ResultCode.SUCCESS, SAM_ID), None
        if request.cmd == Command.SET_MAX_RF_FRAME.cmd:
            return encode_reply(ResultCode.SUCCESS), None
        if request.cmd == SET_BAUD_CMD:
            rates = {selector: rate for rate, selector in BAUD_SELECTORS.items()}
            if request.para in rates:
                return encode_reply(ResultCode.SUCCESS), rates[request.para]
        return encode_reply(ResultCode.BAD_COMMAND), None

    def _answer(self, link: _PtyLink | _SocketLink, request: Request) -> None:
        with self._lock:
            self.requests.append(request.code)
            fault = self._fault if self._fault and self._fault.hits(request) else None
            if fault is not None and fault.times is not None:
                fault.times -= 1
            kind = fault.fault if fault else None
            if kind is Fault.STALL:
                return
            if kind is Fault.SAM_FAILURE:
                assert fault is not None
                reply, new_rate = encode_reply(fault.code), None
            elif kind is Fault.NO_CARD:
                reply, new_rate = encode_reply(ResultCode.NO_CARD), None
            elif kind is Fault.REMOVE_BEFORE_READ:
                self._card, self._state = None, CardState.ABSENT
                reply, new_rate = encode_reply(ResultCode.READ_FAILED), None
            else:
                reply, new_rate = self._reply_for(request)
        if kind is Fault.CHECKSUM:
            reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
        elif kind is Fault.GARBAGE:
            noise = bytes(self._random.randrange(256) for _ in range(self._random.randint(3, 40)))
            reply = noise.replace(PREAMBLE, b"") + reply
        elif kind is Fault.TRUNCATED:
            reply = reply[: max(1, len(reply) // 2)]
        elif kind is Fault.FLIP and len(reply) > TEXT_IN_REPLY + 4:
            # the same bit of both characters' low bytes (张伟 → 弢伝): still ideographs, and
            # the two flips cancel out in the checksum; the bit alternates from read to read
            damaged = bytearray(reply)
            bit = 1 << (self.card_reads % 2)
            damaged[TEXT_IN_REPLY] ^= bit
            damaged[TEXT_IN_REPLY + 2] ^= bit
            reply = bytes(damaged)
        if self.reply_delay:
            self._stop.wait(self.reply_delay)
        if new_rate is not None and self.reply_at_new_rate:
            self.baudrate = new_rate
        self._send(link, reply)
        if new_rate is not None:
            self.baudrate = new_rate

    def _send(self, link: _PtyLink | _SocketLink, data: bytes) -> None:
        """Write at the line's pace: each chunk is handed over when its last byte would have
        crossed a real line (``t0 + bytes * 10 / baud``), never earlier."""
        start = time.monotonic()
        sent = 0
        while sent < len(data):
            chunk = data[sent : sent + CHUNK]
            sent += len(chunk)
            delay = start + wire_time(sent, self.baudrate) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                link.write(chunk)
            except OSError:
                return


# -- control from another process ----------------------------------------------------------


def control_path(link: str | Path) -> Path:
    return Path(f"{link}.ctl")


class ControlServer:
    """Unix-socket control of a running simulator, one JSON request and answer per line.

    Requests: ``{"op": "place", "card": "<path>" | {card object}}``, ``{"op": "remove"}``,
    ``{"op": "fault", "fault": "checksum", "on": "read", "times": 1, "code": 96}``,
    ``{"op": "clear"}``, ``{"op": "unplug"}``, ``{"op": "plug"}``, ``{"op": "status"}``.
    Answers: ``{"ok": true, "status": {...}}`` or ``{"ok": false, "error": "..."}``.
    """

    def __init__(self, simulator: ReaderSimulator, path: Path) -> None:
        self.simulator = simulator
        self.path = path
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(4)
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="idcard-control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    line = conn.makefile("rb").readline()
                    answer = self.handle(json.loads(line or b"{}"))
                except (OSError, ValueError) as error:
                    answer = {"ok": False, "error": str(error)}
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps(answer, ensure_ascii=False).encode() + b"\n")

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        sim = self.simulator
        op = request.get("op")
        try:
            if op == "place":
                card = request.get("card")
                if isinstance(card, dict):
                    sim.place_card(card_from_dict(card, "control request"))
                elif isinstance(card, str):
                    sim.place_card(load_card(card))
                else:
                    raise ValueError("place needs a card: a file path or a card object")
            elif op == "remove":
                sim.remove_card()
            elif op == "fault":
                sim.set_fault(
                    request["fault"],
                    on=request.get("on"),
                    times=request.get("times"),
                    code=int(request.get("code", ResultCode.SAM_SELF_TEST_FAILED)),
                )
            elif op == "clear":
                sim.clear_fault()
            elif op == "unplug":
                sim.unplug()
            elif op == "plug":
                sim.plug()
            elif op != "status":
                raise ValueError(f"unknown op {op!r}")
        except (ValueError, KeyError) as error:
            return {"ok": False, "error": str(error)}
        return {"ok": True, "status": sim.status()}


def send_control(link: str | Path, request: dict[str, Any], timeout: float = 3.0) -> dict[str, Any]:
    """Send one request to the simulator serving ``link``; raises ``OSError`` if none runs."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(control_path(link)))
        conn.sendall(json.dumps(request, ensure_ascii=False).encode() + b"\n")
        answer: dict[str, Any] = json.loads(conn.makefile("rb").readline() or b"{}")
        return answer
