"""A small HTTP-aware TCP proxy on 127.0.0.1 that breaks requests on purpose.

It reads each HTTP/1.1 request from the client (headers and a ``Content-Length`` body), takes
the next fault from its plan (or ``ok``), and acts it out against the real upstream server:

- ``ok``: forward, return the answer;
- ``drop``: read the request, close without forwarding or answering (the server never saw it);
- ``reset_request``: forward half the request, then reset both connections (RST);
- ``drop_reply``: forward, let the server answer, close without passing the answer on
  (applied at the server, unknown to the client);
- ``reset_reply``: forward, pass half the answer on, then reset;
- ``delay``: answer nothing until the client hangs up (its read timeout expired, however slow
  the machine), then forward (a client with a shorter read timeout
  gives up while the server still applies the request);
- ``error500``: answer ``500`` without forwarding;
- ``duplicate``: deliver the request to the server twice, return the second answer;
- ``hold_request`` / ``hold_reply``: stop before forwarding / before answering until
  ``release()``, setting ``held`` (a test kills the client at that exact point).

``down = True`` drops every connection as it arrives (the link is cut). Faults can be limited to
paths containing ``only_path``. Bounded: at most ``max_connections`` client connections, every
socket with a timeout, everything on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable

FAULTS = (
    "ok",
    "drop",
    "reset_request",
    "drop_reply",
    "reset_reply",
    "delay",
    "error500",
    "duplicate",
    "hold_request",
    "hold_reply",
)
_SOCKET_TIMEOUT = 30.0
_MAX_HEADER = 64 * 1024


class _Closed(Exception):
    pass


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        *,
        only_path: str | None = None,
        delay_seconds: float = _SOCKET_TIMEOUT,
        max_connections: int = 16,
    ) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.only_path = only_path
        self.delay_seconds = delay_seconds
        self.down = False
        self.held = threading.Event()
        self._release = threading.Event()
        self._plan: deque[str] = deque()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.log: list[tuple[str, str]] = []  # (fault, request line) as acted out
        self._running = True
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, faults: Iterable[str]) -> None:
        """Faults for the next matching requests, in order; afterwards requests pass."""
        faults = list(faults)
        unknown = [f for f in faults if f not in FAULTS]
        if unknown:
            raise ValueError(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._plan.extend(faults)

    def pending(self) -> int:
        with self._lock:
            return len(self._plan)

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self._running = False
        self._release.set()
        self._listener.close()
        with self._lock:
            for sock in list(self._open):
                _reset(sock)
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- internals -------------------------------------------------------------------------

    def _accept(self) -> None:
        while self._running:
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.down or not self._slots.acquire(blocking=False):
                _reset(client)
                continue
            client.settimeout(_SOCKET_TIMEOUT)
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket, add: bool = True) -> None:
        with self._lock:
            if add:
                self._open.add(sock)
            else:
                self._open.discard(sock)

    def _next_fault(self, request_line: str) -> str:
        with self._lock:
            if self.only_path is not None and self.only_path not in request_line:
                return "ok"
            return self._plan.popleft() if self._plan else "ok"

    def _serve(self, client: socket.socket) -> None:
        buffer = bytearray()
        try:
            while self._running:
                request = _read_message(client, buffer, is_request=True)
                if request is None:
                    return
                line = request.split(b"\r\n", 1)[0].decode("latin-1")
                if self.down:
                    _reset(client)
                    return
                fault = self._next_fault(line)
                self.log.append((fault, line))
                if not self._act(fault, client, request):
                    return
        except (OSError, _Closed):
            return
        finally:
            self._track(client, add=False)
            client.close()
            self._slots.release()

    def _act(self, fault: str, client: socket.socket, request: bytes) -> bool:
        """Act one request out; False when the client connection is gone."""
        if fault == "drop":
            client.close()
            return False
        if fault == "error500":
            body = b'{"error":"proxy","message":"injected"}'
            client.sendall(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            return True
        if fault == "reset_request":
            upstream = self._connect()
            upstream.sendall(request[: len(request) // 2])
            _reset(upstream)
            _reset(client)
            return False
        if fault == "delay":
            self._until_hung_up(client)
        if fault == "hold_request":
            self._hold()
        if fault == "duplicate":
            self._exchange(request)
        answer = self._exchange(request)
        if fault == "hold_reply":
            self._hold()
        if fault == "drop_reply":
            client.close()
            return False
        if fault == "reset_reply":
            client.sendall(answer[: len(answer) // 2])
            _reset(client)
            return False
        client.sendall(answer)
        return True

    def _until_hung_up(self, client: socket.socket) -> None:
        """Answer nothing until the client gives up and closes the connection (its read
        timeout, whatever the machine's load), then pass the request on: it reaches the server,
        the answer is lost. Bounded by ``delay_seconds`` at most."""
        client.settimeout(0.05)
        deadline = time.monotonic() + self.delay_seconds
        try:
            while time.monotonic() < deadline:
                try:
                    if client.recv(1, socket.MSG_PEEK) == b"":
                        break
                except TimeoutError:
                    continue
        except OSError:
            pass
        finally:
            client.settimeout(_SOCKET_TIMEOUT)

    def _hold(self) -> None:
        self.held.set()
        self._release.wait(_SOCKET_TIMEOUT)
        self._release.clear()
        self.held.clear()

    def _connect(self) -> socket.socket:
        upstream = socket.create_connection(self.upstream, timeout=_SOCKET_TIMEOUT)
        self._track(upstream)
        return upstream

    def _exchange(self, request: bytes) -> bytes:
        """One request on a fresh upstream connection; the whole answer."""
        upstream = self._connect()
        try:
            upstream.sendall(request)
            answer = _read_message(upstream, bytearray(), is_request=False)
            if answer is None:
                raise _Closed("upstream closed without an answer")
            return answer
        finally:
            self._track(upstream, add=False)
            upstream.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER 0): the peer sees "connection reset"."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _read_message(sock: socket.socket, buffer: bytearray, *, is_request: bool) -> bytes | None:
    """One HTTP/1.1 message with a Content-Length body (all our API uses); None at a clean EOF
    before any byte of it."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            if buffer:
                raise _Closed("connection closed inside a message head")
            return None
        buffer += chunk
        if len(buffer) > _MAX_HEADER:
            raise _Closed("message head too large")
    head_end = buffer.index(b"\r\n\r\n") + 4
    length = 0
    for header in bytes(buffer[:head_end]).split(b"\r\n")[1:]:
        name, _sep, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            raise _Closed("chunked bodies are not supported by the fault proxy")
    while len(buffer) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed("connection closed inside a message body")
        buffer += chunk
    message = bytes(buffer[: head_end + length])
    del buffer[: head_end + length]
    if not is_request and message.startswith(b"HTTP/1.1 1"):
        return _read_message(sock, buffer, is_request=False)  # skip 100 Continue
    return message
