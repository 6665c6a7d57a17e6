"""Staff logins: bound to their halls with a role, throttled per user name and per address in
the database (lock-out with back-off), the same work for unknown names, CSRF by constant-time
comparison, and refusals as HTML pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sync.server import staff as staff_pages
from sync.server.app import Central, create_app
from sync.server.auth import Role, add_staff, same_token
from sync.server.settings import ServerSettings
from sync.server.throttle import ThrottleRules

PASSWORD = "good-password-1"


@pytest.fixture
def app(settings: ServerSettings, central: Central) -> Any:
    # The process's flood shedding is tested on its own (test_gate); here the throttle is.
    central.login_gate.address_burst = central.login_gate.total_burst = 1000
    with central.transaction() as session:
        add_staff(session, "desk", PASSWORD, Role.HALL_DESK, ["xixia"])
        add_staff(session, "manager", PASSWORD, Role.HALL_MANAGER, ["pinggu-district"])
        add_staff(session, "admin", PASSWORD, Role.COUNTY_ADMIN)
    return create_app(settings, central)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The server's UTC clock for sessions and throttles, moved by the test."""
    now = [datetime(2026, 11, 23, 1, 0)]
    monkeypatch.setattr(staff_pages, "utcnow", lambda: now[0])
    return now


def login(client: TestClient, user: str, password: str = PASSWORD) -> int:
    form = {"username": user, "password": password, "next": "/staff/"}
    return client.post("/staff/login", data=form, follow_redirects=False).status_code


def test_a_desk_login_acts_for_its_own_hall_only(app: Any) -> None:
    with TestClient(app) as client:
        assert login(client, "desk") == 303
        halls = client.get("/staff/")
        assert "/staff/halls/xixia/book" in halls.text
        assert "/staff/halls/pinggu-district/book" not in halls.text
        assert client.get("/staff/halls/xixia/bookings").status_code == 200
        other = client.get("/staff/halls/pinggu-district/bookings")
        assert other.status_code == 403 and 'data-code="not_your_hall"' in other.text
        assert other.headers["content-type"].startswith("text/html")
        report = client.get("/staff/halls/xixia/report")
        assert report.status_code == 403 and 'data-code="not_allowed"' in report.text


def test_a_manager_sees_the_halls_report_and_a_county_admin_every_hall(app: Any) -> None:
    with TestClient(app) as client:
        assert login(client, "manager") == 303
        assert client.get("/staff/halls/pinggu-district/report").status_code == 200
        assert client.get("/staff/halls/xixia/report").status_code == 403
    with TestClient(app) as client:
        assert login(client, "admin") == 303
        page = client.get("/staff/")
        assert "/staff/halls/xixia/book" in page.text
        assert "/staff/halls/pinggu-district/book" in page.text
        report = client.get("/staff/halls/xixia/report", params={"day": "2026-11-28"})
        assert report.status_code == 200 and 'id="report"' in report.text


def test_wrong_passwords_lock_the_name_then_back_off(app: Any, utc: list[datetime]) -> None:
    rules = ThrottleRules()
    with TestClient(app) as client:
        answers = [login(client, "desk", "wrong-password") for _ in range(rules.user_failures)]
        assert answers == [401] * (rules.user_failures - 1) + [429]
        locked = client.post("/staff/login", data={"username": "desk", "password": PASSWORD})
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 60
        assert "分钟后再试" in locked.text
        utc[0] += rules.first_lock + timedelta(seconds=1)
        again = [login(client, "desk", "wrong-password") for _ in range(rules.user_failures)]
        assert again[-1] == 429
        second = client.post("/staff/login", data={"username": "DESK", "password": PASSWORD})
        assert int(second.headers["Retry-After"]) == 120  # twice the first lock
        utc[0] += 2 * rules.first_lock + timedelta(seconds=1)
        assert login(client, "desk") == 303


def test_one_address_failing_on_many_names_is_locked(app: Any, central: Central) -> None:
    rules = ThrottleRules()
    with TestClient(app, client=("10.1.1.1", 50000)) as client:
        answers = [login(client, f"guess-{n}", "x" * 8) for n in range(rules.address_failures)]
        assert answers[-1] == 429 and answers[:-1] == [401] * (rules.address_failures - 1)
        assert login(client, "desk") == 429  # the right password, from the locked address
    with TestClient(app, client=("10.1.1.2", 50000)) as elsewhere:
        assert login(elsewhere, "desk") == 303


def test_the_lock_holds_in_every_server_process(
    app: Any, settings: ServerSettings, central: Central
) -> None:
    """The counts are in the database: a second app on the same store sees the lock."""
    with TestClient(app) as client:
        for _ in range(ThrottleRules().user_failures):
            login(client, "desk", "wrong-password")
    with TestClient(create_app(settings, central)) as second:
        assert login(second, "desk") == 429


def test_an_unknown_name_costs_one_password_check_like_a_known_one(
    app: Any, central: Central
) -> None:
    with TestClient(app) as client:
        assert login(client, "no-such-user", "wrong-password") == 401
        assert central.hasher.checks == 1
        assert login(client, "desk", "wrong-password") == 401
        assert central.hasher.checks == 2


def test_forms_need_the_sessions_csrf_token_compared_in_constant_time(app: Any) -> None:
    assert same_token("abc", "abc") and not same_token("abd", "abc") and not same_token("", "a")
    with TestClient(app) as client:
        login(client, "desk")
        page = client.get("/staff/halls/xixia/book", params={"service": "tax"})
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        form = {
            "service": "tax",
            "day": "2026-11-28",
            "channel": "phone",
            "slot": "2026-11-28T09:00:00",
            "name": "张小三",
            "id_number": "x",
            "phone": "13812345678",
        }
        # one character changed (never to itself: a token ending in "A" once made this pass)
        wrong = csrf[:-1] + ("B" if csrf.endswith("A") else "A")
        forged = client.post("/staff/halls/xixia/book", data={**form, "csrf": wrong})
        assert forged.status_code == 403 and 'data-code="bad_csrf"' in forged.text


def test_the_login_page_only_sends_back_into_the_desk(app: Any) -> None:
    with TestClient(app) as client:
        for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
            form = {"username": "desk", "password": PASSWORD, "next": target}
            response = client.post("/staff/login", data=form, follow_redirects=False)
            assert response.headers["location"] == "/staff/"
