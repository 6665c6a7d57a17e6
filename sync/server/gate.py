"""What every request meets first (a plain ASGI middleware, cheap on the hot path).

- **Body limits per route** (``BODY_LIMITS``): a declared ``Content-Length`` over the route's
  limit is answered 413 before anything is read; a body without one is counted as it arrives
  and cut off at the limit.
- **The device token before the body**: a request to ``/api/v1/halls/{hall}/…`` is answered
  401 (no, unknown or revoked token, with ``WWW-Authenticate``) or 403 (another hall's token)
  before its body is read; the device is passed on in ``scope["state"]["device"]``.
- **Login floods** are shed (``throttle.LoginGate``) before the login form is read.
- **Security headers**: the staff pages may not be framed, sniffed or cached; API answers are
  not sniffed and not cached unless the route says otherwise (the pull's ETag).
- **The last net for errors**: an exception nobody handled is answered 500 ``internal_error``
  and logged without any value of the request (``problems.log_unexpected``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import unquote

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import API_PREFIX
from sync.server.errors import TooLarge, as_problem
from sync.server.problems import internal_error, is_page, log_unexpected, problem_response

if TYPE_CHECKING:
    from sync.server.app import Central

KIB = 1024
#: (method, path pattern, largest body in bytes); the first match counts, else DEFAULT_LIMIT.
BODY_LIMITS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("POST", re.compile(rf"^{API_PREFIX}/halls/[^/]+/events$"), 2 * KIB * KIB),
    ("POST", re.compile(rf"^{API_PREFIX}/halls/[^/]+/bookings$"), 4 * KIB),
    ("POST", re.compile(rf"^{API_PREFIX}/halls/[^/]+/bookings/[^/]+/[a-z-]+$"), 2 * KIB),
    ("POST", re.compile(r"^/staff/login$"), 2 * KIB),
    ("POST", re.compile(r"^/staff/"), 8 * KIB),
)
DEFAULT_LIMIT = 1 * KIB
_HALL_PATH = re.compile(rf"^{API_PREFIX}/halls/([^/]+)(?:/|$)")

PAGE_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
        b"'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
        b"base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"same-origin"),
]
API_HEADERS = [(b"x-content-type-options", b"nosniff")]


def body_limit(method: str, path: str) -> int:
    for limit_method, pattern, limit in BODY_LIMITS:
        if method == limit_method and pattern.match(path):
            return limit
    return DEFAULT_LIMIT


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value, "latin-1")
    return None


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def receive_counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                # FastAPI passes an HTTPException raised while it reads the body through to
                # the handlers (problems._http_error answers 413); anything else would be 400.
                raise HTTPException(413)
        return message

    return receive_counted


class Gate:
    def __init__(self, app: ASGIApp, central: Callable[[], Central]) -> None:
        self.app = app
        self._central = central

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        page = is_page(path)
        extra = PAGE_HEADERS if page else API_HEADERS
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", ()))
                if not page and not any(name == b"cache-control" for name, _v in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        method: str = scope["method"]
        limit = body_limit(method, path)
        try:
            central = self._central()
            hall = _HALL_PATH.match(path)
            if hall is not None:
                device = await central.devices.authenticate(_header(scope, b"authorization"))
                device.require_hall(unquote(hall.group(1)))
                scope.setdefault("state", {})["device"] = device
            elif method == "POST" and path == "/staff/login":
                await central.login_gate.admit(client_address(scope))
            declared = _content_length(scope)
            if declared is not None and declared > limit:
                raise TooLarge("too_large", f"this route takes at most {limit} bytes")
            await self.app(scope, _counted(receive, limit), send_with_headers)
        except Exception as error:
            problem = as_problem(error)
            if isinstance(error, HTTPException) and error.status_code == 413:
                problem = TooLarge("too_large", f"this route takes at most {limit} bytes")
            if problem is None:
                log_unexpected(scope, error)
                problem = internal_error()
            if started:
                return  # the answer is half sent: nothing better to do than end it
            response = problem_response(Request(scope), problem)
            await response(scope, receive, send_with_headers)
