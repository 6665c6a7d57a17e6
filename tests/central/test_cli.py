"""`kiosk central`: devices and staff made from the command line, and the real server."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from kiosk.app.cli.main import main
from kiosk.settings import ID_HASH_KEY_ENV
from sync.server.app import create_app
from sync.server.auth import TOKEN_CACHE_SECONDS
from sync.server.settings import load_server_settings
from tests.central_fixtures import KEY


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ID_HASH_KEY_ENV, KEY.decode())
    return f"sqlite:///{tmp_path / 'central.sqlite3'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_add_device_prints_the_token_once_and_stores_its_hash(capsys, database) -> None:
    status, out, _err = run(
        capsys, "central", "add-device", "--hall", "xixia", "--json", "--database-url", database
    )
    assert status == 0
    document = json.loads(out)
    token = document["token"]
    engine = create_engine(database)
    with engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.execute(text("SELECT * FROM devices")))
    engine.dispose()
    assert token not in dump
    app = create_app(load_server_settings(database))
    tokens = app.state.central.devices
    seconds = [0.0]
    tokens.clock = lambda: seconds[0]
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/halls/xixia/bookings", headers=headers).status_code == 200
        status, out, _err = run(
            capsys,
            "central",
            "revoke-device",
            str(document["device_id"]),
            "--database-url",
            database,
        )
        assert status == 0 and "revoked" in out
        # On SQLite nothing tells the server at once: the token works until its cache entry
        # lapses, at most TOKEN_CACHE_SECONDS later (PostgreSQL: test_two_servers_act_as_one).
        seconds[0] += TOKEN_CACHE_SECONDS
        assert client.get("/api/v1/halls/xixia/bookings", headers=headers).status_code == 401
    status, out, _err = run(capsys, "central", "devices", "--json", "--database-url", database)
    assert json.loads(out)[0]["revoked"] is True
    assert token not in out


def test_add_device_for_an_unknown_hall_fails_clearly(capsys, database) -> None:
    status, _out, err = run(
        capsys, "central", "add-device", "--hall", "atlantis", "--database-url", database
    )
    assert status == 2
    assert "unknown hall 'atlantis'" in err and "xixia" in err


def test_revoking_an_unknown_device(capsys, database) -> None:
    status, _out, err = run(capsys, "central", "revoke-device", "42", "--database-url", database)
    assert status == 2 and "42" in err


def test_add_staff_from_stdin_can_log_in(capsys, database, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("desk-password-1\n"))
    status, _out, _err = run(
        capsys, "central", "add-staff", "--user", "desk", "--password-stdin",
        "--hall", "xixia", "--database-url", database,
    )  # fmt: skip
    assert status == 0
    with TestClient(create_app(load_server_settings(database))) as client:
        bad = client.post("/staff/login", data={"username": "desk", "password": "nope-nope"})
        assert bad.status_code == 401
        good = client.post(
            "/staff/login",
            data={"username": "desk", "password": "desk-password-1"},
            follow_redirects=False,
        )
        assert good.status_code == 303
        assert client.get("/staff/").status_code == 200


def test_add_staff_refuses_a_short_password(capsys, database, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    status, _out, err = run(
        capsys, "central", "add-staff", "--user", "desk", "--password-stdin",
        "--database-url", database,
    )  # fmt: skip
    assert status == 2 and "8 characters" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--role", "janitor", "--hall", "xixia"], "unknown role 'janitor'"),
        (["--hall", "atlantis"], "unknown hall 'atlantis'"),
        ([], "needs at least one hall"),
        (["--role", "hall_manager"], "needs at least one hall"),
    ],
)
def test_add_staff_needs_a_known_role_and_its_halls(
    capsys, database, monkeypatch, options, message
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("desk-password-1\n"))
    status, _out, err = run(
        capsys, "central", "add-staff", "--user", "desk", "--password-stdin", *options,
        "--database-url", database,
    )  # fmt: skip
    assert status == 2 and message in err


def test_a_county_admin_needs_no_hall(capsys, database, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("admin-password-1\n"))
    status, out, _err = run(
        capsys, "central", "add-staff", "--user", "admin", "--password-stdin",
        "--role", "county_admin", "--database-url", database,
    )  # fmt: skip
    assert status == 0 and "every hall" in out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_the_api_under_uvicorn(database) -> None:
    port = _free_port()
    env = {**os.environ, ID_HASH_KEY_ENV: KEY.decode()}
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk.app.cli.main", "central", "serve", "--port", str(port),
         "--database-url", database],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/api/v1/health"
        for _attempt in range(100):
            try:
                response = requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                if server.poll() is not None:
                    pytest.fail(f"server exited: {server.stderr.read().decode()}")
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer")
        assert response.json() == {"status": "ok", "api": "v1"}
        assert (
            requests.get(url.replace("health", "halls/xixia/bookings"), timeout=5).status_code
            == 401
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
