"""A network receipt printer on a TCP port, for tests, the demo and a kiosk without hardware.

It reads the byte stream the way a printer does, command by command (``decode.command_length``),
so it answers ``DLE EOT n`` and ``GS r 1`` exactly where a printer would and never mistakes
raster data for a status request. Everything between two cuts is one job; ``jobs`` holds the
printed jobs, byte for byte as sent (status requests excluded), and with ``preview_dir`` each
job is also written as ``job-NNNN.png`` (and ``.bin``) for the demo and the screens.

In-process use::

    with PrinterSimulator(port=0, paper_mm=58) as printer:
        kiosk_printer = EscposPrinter(printer.url("58-raster"))
        ...
        printer.set_paper_out()          # and set_cover_open(), set_offline(), set_write_error()
        printer.jobs[-1].data

From another process: start it with a control socket (``kiosk printer simulate --listen
127.0.0.1:9100 --control /run/printer.ctl``) and send one JSON object per line, e.g.
``{"op": "paper_out"}``, ``{"op": "status"}``; ``kiosk printer control`` does that
(``send_control`` in Python).

Fault modes, as a real printer shows them:

- paper out / cover open: status requests answered (offline, with the cause); print data is
  not printed (kept in ``rejected``); ``GS r`` is not answered, so a job is never confirmed;
- ``run_out_after(n)``: the paper ends after ``n`` more bytes of print data, mid-ticket;
- offline: connections are accepted but nothing is answered and nothing printed (a printer
  switched off behind a network adapter, or hung);
- write error: the connection is reset as soon as print data arrives.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hardware.printer.decode import DecodeError, command_length
from hardware.printer.status import confirm_byte, realtime_bytes
from kiosk.ports.printer import PaperState, PrinterStatus

log = logging.getLogger(__name__)
_DOTS = {58: 384, 80: 576}


@dataclass(frozen=True)
class Job:
    index: int
    data: bytes
    cut: bool
    received_at: datetime = field(default_factory=datetime.now)
    preview: Path | None = None


class _Reset(Exception):
    """Drop the connection the hard way (RST), as a printer losing its link does."""


@dataclass
class _State:
    paper: PaperState = "ok"
    cover_open: bool = False
    offline: bool = False
    write_error: bool = False
    run_out_after: int | None = None

    def status(self) -> PrinterStatus:
        return PrinterStatus(online=not self.offline, paper=self.paper, cover_open=self.cover_open)

    @property
    def printing(self) -> bool:
        return not self.offline and self.paper != "out" and not self.cover_open


class PrinterSimulator:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        paper_mm: int = 80,
        preview_dir: Path | None = None,
        control: Path | None = None,
    ) -> None:
        if paper_mm not in _DOTS:
            raise ValueError("paper_mm must be 58 or 80")
        self.host = host
        self.port = port
        self.paper_mm = paper_mm
        self.preview_dir = preview_dir
        self.control_path = control
        self._state = _State()
        self._lock = threading.Condition()
        self._jobs: list[Job] = []
        self._rejected: list[bytes] = []
        self._errors: list[str] = []
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._control: _ControlServer | None = None

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> PrinterSimulator:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(8)
        self.port = server.getsockname()[1]
        self._server = server
        self._stop.clear()
        thread = threading.Thread(target=self._accept, name="printer-sim", daemon=True)
        thread.start()
        self._threads.append(thread)
        if self.control_path is not None:
            self._control = _ControlServer(self, self.control_path)
            self._control.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._control is not None:
            self._control.stop()
            self._control = None
        if self._server is not None:
            self._server.close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = []

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, profile: str | None = None, timeout: float | None = None) -> str:
        """The printer URL to hand to ``EscposPrinter`` (``profile`` like ``58-raster``)."""
        options = [f"profile={profile}"] if profile else [f"paper={self.paper_mm}"]
        if timeout is not None:
            options.append(f"timeout={timeout:g}")
        return f"tcp:{self.host}:{self.port}?{'&'.join(options)}"

    # -- state ---------------------------------------------------------------------------

    @property
    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs)

    @property
    def rejected(self) -> list[bytes]:
        """Print data received while the printer could not print (never printed)."""
        with self._lock:
            return list(self._rejected)

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    def status(self) -> PrinterStatus:
        with self._lock:
            return self._state.status()

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[Job]:
        with self._lock:
            self._lock.wait_for(lambda: len(self._jobs) >= count, timeout)
            return list(self._jobs)

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._state, key, value)
            self._lock.notify_all()

    def set_paper_out(self, out: bool = True) -> None:
        self._set(paper="out" if out else "ok", run_out_after=None)

    def set_paper_near_end(self, near: bool = True) -> None:
        self._set(paper="near_end" if near else "ok")

    def set_cover_open(self, open_: bool = True) -> None:
        self._set(cover_open=open_)

    def set_offline(self, offline: bool = True) -> None:
        self._set(offline=offline)

    def set_write_error(self, failing: bool = True) -> None:
        self._set(write_error=failing)

    def run_out_after(self, nbytes: int) -> None:
        """The paper ends after ``nbytes`` more bytes of print data (in the middle of a ticket)."""
        self._set(run_out_after=max(0, nbytes))

    def reset(self) -> None:
        self._set(
            paper="ok", cover_open=False, offline=False, write_error=False, run_out_after=None
        )

    def describe(self) -> dict[str, Any]:
        with self._lock:
            state = self._state
            return {
                "listen": f"{self.host}:{self.port}",
                "paper": state.paper,
                "cover_open": state.cover_open,
                "offline": state.offline,
                "write_error": state.write_error,
                "run_out_after": state.run_out_after,
                "jobs": len(self._jobs),
                "rejected": len(self._rejected),
            }

    # -- the printer ---------------------------------------------------------------------

    def _accept(self) -> None:
        server = self._server
        assert server is not None
        while not self._stop.is_set():
            try:
                readable, _, _ = select.select([server], [], [], 0.1)
                if not readable:
                    continue
                conn, _peer = server.accept()
            except (OSError, ValueError):
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _serve(self, conn: socket.socket) -> None:
        buffer = bytearray()
        job = bytearray()
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([conn], [], [], 0.1)
                if not readable:
                    continue
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                pos = 0
                while pos < len(buffer):
                    length = command_length(buffer, pos)
                    if length is None:
                        break
                    self._command(conn, bytes(buffer[pos : pos + length]), job)
                    pos += length
                del buffer[:pos]
        except _Reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except DecodeError as error:
            with self._lock:
                self._errors.append(str(error))
            log.warning("printer simulator: %s", error)
        except OSError as error:
            log.debug("printer simulator connection: %s", error)
        finally:
            if job:
                self._finish(bytes(job), cut=False)
            conn.close()

    def _command(self, conn: socket.socket, raw: bytes, job: bytearray) -> None:
        with self._lock:
            state = self._state
            if raw[:2] == b"\x10\x04":
                if not state.offline and raw[2] in (1, 2, 3, 4):
                    conn.sendall(bytes((realtime_bytes(state.status())[raw[2]],)))
                return
            if raw[:2] == b"\x10\x05":
                return
            if raw[:2] == b"\x1dr":
                if state.printing:
                    conn.sendall(bytes((confirm_byte(state.paper),)))
                return
            if state.offline:
                return
            if state.write_error:
                raise _Reset
            if not state.printing:
                self._rejected.append(raw)
                return
            if state.run_out_after is not None:
                state.run_out_after -= len(raw)
                if state.run_out_after < 0:
                    state.paper, state.run_out_after = "out", None
                    self._rejected.append(bytes(job) + raw)
                    job.clear()
                    return
            job += raw
            cut = raw[:2] == b"\x1dV"
        if cut:
            self._finish(bytes(job), cut=True)
            job.clear()

    def _finish(self, data: bytes, cut: bool) -> None:
        with self._lock:
            index = len(self._jobs) + 1
        preview = None
        if self.preview_dir is not None:
            preview = self._write_preview(index, data)
        with self._lock:
            self._jobs.append(Job(index, data, cut, preview=preview))
            self._lock.notify_all()

    def _write_preview(self, index: int, data: bytes) -> Path | None:
        from hardware.printer.preview import write_png

        assert self.preview_dir is not None
        self.preview_dir.mkdir(parents=True, exist_ok=True)
        stem = self.preview_dir / f"job-{index:04d}"
        stem.with_suffix(".bin").write_bytes(data)
        try:
            return write_png(data, stem.with_suffix(".png"), _DOTS[self.paper_mm])
        except (DecodeError, ValueError, OSError) as error:
            log.warning("printer simulator: no preview for job %d: %s", index, error)
            return None


# -- control from another process ------------------------------------------------------------

_OPS: dict[str, Callable[[PrinterSimulator, dict[str, Any]], object]] = {
    "paper_out": lambda sim, req: sim.set_paper_out(True),
    "paper_ok": lambda sim, req: sim.set_paper_out(False),
    "near_end": lambda sim, req: sim.set_paper_near_end(True),
    "cover_open": lambda sim, req: sim.set_cover_open(True),
    "cover_closed": lambda sim, req: sim.set_cover_open(False),
    "offline": lambda sim, req: sim.set_offline(True),
    "online": lambda sim, req: sim.set_offline(False),
    "write_error": lambda sim, req: sim.set_write_error(True),
    "write_ok": lambda sim, req: sim.set_write_error(False),
    "run_out_after": lambda sim, req: sim.run_out_after(int(req.get("bytes", 0))),
    "reset": lambda sim, req: sim.reset(),
    "status": lambda sim, req: None,
}
CONTROL_OPS: tuple[str, ...] = tuple(_OPS)


class ControlError(RuntimeError):
    """The control socket is missing, or the simulator refused the request."""


class _ControlServer:
    """A Unix socket next to the simulator: one JSON request and one JSON answer per line."""

    def __init__(self, simulator: PrinterSimulator, path: Path) -> None:
        self.simulator = simulator
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-control", daemon=True)

    def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._sock.bind(str(self.path))
        os.chmod(self.path, 0o600)
        self._sock.listen(4)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=2)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                readable, _, _ = select.select([self._sock], [], [], 0.1)
                if not readable:
                    continue
                conn, _ = self._sock.accept()
            except (OSError, ValueError):
                return
            with conn, conn.makefile("rwb") as stream:
                for line in stream:
                    stream.write(json.dumps(self._answer(line)).encode() + b"\n")
                    stream.flush()

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            op = request["op"]
            action = _OPS[op]
        except (ValueError, KeyError, TypeError):
            return {"ok": False, "error": f'expected {{"op": one of {", ".join(_OPS)}}}'}
        try:
            action(self.simulator, request)
        except (TypeError, ValueError) as error:
            return {"ok": False, "error": str(error)}
        return {"ok": True, "state": self.simulator.describe()}


def send_control(path: Path, op: str, **fields: Any) -> dict[str, Any]:
    """Ask a simulator in another process to change state; returns its state afterwards."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    try:
        sock.connect(str(path))
    except OSError as error:
        sock.close()
        raise ControlError(f"{path}: no printer simulator listening ({error.strerror})") from None
    with sock, sock.makefile("rwb") as stream:
        stream.write(json.dumps({"op": op, **fields}).encode() + b"\n")
        stream.flush()
        answer = json.loads(stream.readline() or b"{}")
    if not answer.get("ok"):
        raise ControlError(answer.get("error", "no answer from the printer simulator"))
    return dict(answer["state"])
