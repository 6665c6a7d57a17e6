"""The city deployment in small: two ``kiosk central serve`` processes on one PostgreSQL
database behave as one store. A staff session made on one works on the other, failed logins
on both count towards one lock, a kiosk's cursor means the same on both, and a revoked token
stops working on the one that did not revoke it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from kiosk.settings import ID_HASH_KEY_ENV
from sync.server.app import Central
from sync.server.auth import Role, add_staff, revoke_device
from sync.server.throttle import ThrottleRules
from tests.central.helpers import booking, event, ticket, wait_until
from tests.central_fixtures import KEY, MONDAY_MORNING, Devices

API = "/api/v1/halls/xixia"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.app.cli.main", "central", "serve", "--port", str(port),
         "--database-url", database_url, "--at", MONDAY_MORNING.isoformat(timespec="minutes")],
        env={**os.environ, ID_HASH_KEY_ENV: KEY.decode()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if requests.get(f"{base}/api/v1/health", timeout=2).ok:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("server did not start")


@pytest.fixture
def two(central_url: str, central: Central) -> Iterator[tuple[str, str]]:
    if not central_url.startswith("postgresql"):
        pytest.skip("several server processes on one store: PostgreSQL")
    first, a = _serve(central_url)
    second, b = _serve(central_url)
    yield a, b
    for process in (first, second):
        process.terminate()
    for process in (first, second):
        process.wait(timeout=20)


def test_two_servers_act_as_one(two: tuple[str, str], central: Central, devices: Devices) -> None:
    a, b = two
    with central.transaction() as session:
        add_staff(session, "desk", "desk-password-1", Role.HALL_DESK, ["xixia"])

    # A staff session made on one server is good on the other.
    desk = requests.Session()
    made = desk.post(
        f"{a}/staff/login",
        data={"username": "desk", "password": "desk-password-1"},
        allow_redirects=False,
        timeout=10,
    )
    assert made.status_code == 303
    assert desk.get(f"{b}/staff/halls/xixia/bookings", timeout=10).status_code == 200

    # Failed logins on both count towards one lock.
    guesses = [
        requests.post(
            f"{(a, b)[n % 2]}/staff/login",
            data={"username": "desk", "password": "wrong-password"},
            timeout=20,
        ).status_code
        for n in range(ThrottleRules().user_failures)
    ]
    assert guesses[-1] == 429
    right = {"username": "desk", "password": "desk-password-1"}
    assert requests.post(f"{b}/staff/login", data=right, timeout=20).status_code == 429
    assert requests.post(f"{a}/staff/login", data=right, timeout=20).status_code == 429

    # A kiosk's cursor means the same on both.
    device_id, token = devices.with_id("xixia", "kiosk-1")
    kiosk = requests.Session()
    kiosk.headers["Authorization"] = f"Bearer {token}"
    assert kiosk.post(f"{a}{API}/bookings", json=booking(1), timeout=10).status_code == 201

    def pulled_from_b() -> bool:
        page = kiosk.get(f"{b}{API}/bookings", params={"since": 0}, timeout=10).json()
        return page["cursor"] == 1 and len(page["bookings"]) == 1

    # B answers "nothing new" from its head until the notification of A's commit arrives
    # (milliseconds): the kiosk gets the booking on this pull or the next, never loses it.
    assert wait_until(pulled_from_b, 10)
    assert kiosk.post(f"{b}{API}/bookings", json=booking(2), timeout=10).status_code == 201

    def pulled_from_a() -> bool:
        later = kiosk.get(f"{a}{API}/bookings", params={"since": 1}, timeout=10).json()
        return later["cursor"] == 2 and len(later["bookings"]) == 1

    assert wait_until(pulled_from_a, 10)  # at once, or when A's head hears of B's commit
    pushed = kiosk.post(
        f"{b}{API}/events", json={"events": [event(1, "ticket_issued", ticket())]}, timeout=10
    )
    assert pushed.json()["last_sequence"] == 1
    again = kiosk.post(
        f"{a}{API}/events", json={"events": [event(1, "ticket_issued", ticket())]}, timeout=10
    )
    assert again.json()["results"][0]["duplicate"] is True
    ahead = kiosk.get(f"{a}{API}/bookings", params={"since": 99}, timeout=10)
    assert ahead.status_code == 409 and ahead.json()["detail"]["head"] == 2

    # A token revoked (here by the CLI's code path) stops working on both servers.
    with central.transaction() as session:
        revoke_device(session, device_id)
    for base in (a, b):
        assert wait_until(
            lambda base=base: kiosk.get(f"{base}{API}/bookings", timeout=10).status_code == 401,
            15,
        )
