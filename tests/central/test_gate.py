"""The gate in front of every route, over real sockets where it matters: the token is checked
and a declared body over the route's limit refused before the body is sent at all; a chunked
body is cut off at the limit; the pages carry their security headers."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sync.server.app import Central, create_app
from sync.server.gate import BODY_LIMITS, DEFAULT_LIMIT, body_limit
from sync.server.settings import ServerSettings
from tests.central_fixtures import Devices
from tests.sync.conftest import Server


@pytest.fixture
def served(settings: ServerSettings, central: Central) -> Iterator[Server]:
    running = Server(create_app(settings, central))
    yield running
    running.stop()


def exchange(port: int, head: str, body: bytes = b"") -> tuple[int, str]:
    """Send a request head (and maybe part of a body), read the whole answer: the status line
    and the text. The server must answer without waiting for the rest of the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not _complete(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.decode("utf-8", "replace")


def _complete(answer: bytes) -> bool:
    head, _sep, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def post_head(path: str, length: int, token: str | None = None, chunked: bool = False) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return "\r\n".join(lines) + "\r\n"


def test_no_token_is_refused_before_a_50_mb_body_is_sent(served: Server) -> None:
    status, text = exchange(served.port, post_head("/api/v1/halls/xixia/events", 50_000_000))
    assert status == 401 and "no_token" in text


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(
    served: Server, devices: Devices
) -> None:
    token = devices.token("xixia")
    status, text = exchange(served.port, post_head("/api/v1/halls/xixia/events", 50_000_000, token))
    assert status == 413 and "too_large" in text
    status, _text = exchange(served.port, post_head("/staff/login", 10_000))
    assert status == 413


def test_a_chunked_body_is_cut_off_at_the_limit(served: Server, devices: Devices) -> None:
    token = devices.token("xixia")
    chunk = b"x" * 1024
    body = b"".join(b"400\r\n" + chunk + b"\r\n" for _ in range(8))  # 8 KiB, limit 4 KiB
    status, text = exchange(
        served.port, post_head("/api/v1/halls/xixia/bookings", 0, token, chunked=True), body
    )
    assert status == 413 and "too_large" in text


def test_every_route_has_a_stated_limit() -> None:
    assert body_limit("POST", "/api/v1/halls/xixia/events") == 2 * 1024 * 1024
    assert body_limit("POST", "/api/v1/halls/xixia/bookings") == 4 * 1024
    assert body_limit("POST", "/api/v1/halls/xixia/bookings/abcdefgh/cancel") == 2 * 1024
    assert body_limit("POST", "/staff/login") == 2 * 1024
    assert body_limit("POST", "/staff/halls/xixia/book") == 8 * 1024
    assert body_limit("GET", "/api/v1/halls/xixia/bookings") == DEFAULT_LIMIT
    assert len(BODY_LIMITS) == 5


def test_staff_pages_may_not_be_framed_sniffed_or_cached(client: TestClient) -> None:
    page = client.get("/staff/login")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    api = client.get("/api/v1/health")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["Cache-Control"] == "no-store"


def test_a_login_flood_from_one_address_is_shed_before_the_form_is_read(
    settings: ServerSettings, central: Central
) -> None:
    central.login_gate.hold_seconds = 0
    app = create_app(settings, central)

    def attempt(client: TestClient, n: int) -> int:
        form = {"username": f"nobody-{n}", "password": "wrong-password"}
        return client.post("/staff/login", data=form).status_code

    with TestClient(app, client=("10.0.0.1", 40000)) as flooder:
        answers = [attempt(flooder, n) for n in range(8)]
    assert answers[:5] == [401] * 5  # the burst of one address: checked (and failed)
    assert answers[5:] == [429] * 3  # then shed: no form read, no password checked
    with TestClient(app, client=("10.0.0.2", 40000)) as other:
        assert attempt(other, 99) == 401
    assert central.hasher.checks == 6
