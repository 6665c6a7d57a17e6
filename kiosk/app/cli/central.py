"""``kiosk central``: run the reference central booking store and manage who may use it.

Tokens and passwords are shown or read once: a device token is printed when it is made and
only its hash is kept, so a lost token is revoked and replaced, never recovered.
"""

from __future__ import annotations

import argparse
import getpass
import signal
import sys
from typing import Any

from kiosk.app.cli.common import CliError, CommandFailed, add_json_flag, parse_minute, print_json
from kiosk.errors import ExitCode


def register(subparsers: Any) -> None:
    central = subparsers.add_parser(
        "central", help="the central booking store (server and its devices and staff)"
    )
    commands = central.add_subparsers(dest="central_command", required=True, metavar="ACTION")

    def with_database(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--database-url",
            help="SQLAlchemy URL of the central store "
            "(default: $KIOSK_CENTRAL_DATABASE_URL or central.sqlite3 in the data directory)",
        )

    serve = commands.add_parser("serve", help="serve the API and the staff pages (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8600, help="port (default 8600)")
    with_database(serve)
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="server processes sharing the port (default 1; one or two per core on PostgreSQL)",
    )
    serve.add_argument("--secure-cookies", action="store_true", help="behind HTTPS")
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="reverse proxies whose X-Forwarded-For names the client (login throttling by "
        "address), comma separated; default: none trusted",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every request line (off by default: query strings are request values)",
    )
    serve.add_argument(
        "--at",
        type=parse_minute,
        help="run the halls' clock from YYYY-MM-DDTHH:MM (the demo, with `kiosk run --at`)",
    )
    serve.set_defaults(handler=_serve)

    add_device = commands.add_parser(
        "add-device", help="make a device token for a hall (printed once)"
    )
    add_device.add_argument("--hall", required=True, help="hall id the token is for")
    add_device.add_argument("--name", help="what the device is, e.g. kiosk-1 (default: the hall)")
    add_json_flag(add_device)
    with_database(add_device)
    add_device.set_defaults(handler=_add_device)

    revoke = commands.add_parser("revoke-device", help="revoke a device's token")
    revoke.add_argument(
        "device_id", type=int, metavar="DEVICE_ID", help="as `kiosk central devices` lists it"
    )
    add_json_flag(revoke)
    with_database(revoke)
    revoke.set_defaults(handler=_revoke_device)

    devices = commands.add_parser("devices", help="list devices (never their tokens)")
    add_json_flag(devices)
    with_database(devices)
    devices.set_defaults(handler=_devices)

    staff = commands.add_parser(
        "add-staff", help="create a staff login, or set its password, role and halls"
    )
    staff.add_argument("--user", required=True, help="the login name")
    staff.add_argument(
        "--role",
        default="hall_desk",
        help="hall_desk (book and cancel), hall_manager (also the hall's reports), "
        "county_admin (every hall); default hall_desk",
    )
    staff.add_argument(
        "--hall",
        action="append",
        default=[],
        metavar="HALL",
        help="a hall the login acts for (repeat for several; not for county_admin)",
    )
    staff.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add_json_flag(staff)
    with_database(staff)
    staff.set_defaults(handler=_add_staff)


def _open(args: argparse.Namespace) -> Any:
    from sync.server.app import open_central
    from sync.server.settings import load_server_settings

    settings = load_server_settings(args.database_url)
    try:
        return open_central(settings)
    except Exception as error:
        raise CommandFailed(str(error)) from None


def _workers(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("--workers is 1 to 64")
    return value


def _serve(args: argparse.Namespace) -> int:
    """Migrate once, then run uvicorn (httptools, uvloop) with ``--workers`` processes, each
    building its app from the environment (``sync.server.app.app_from_environment``)."""
    import os

    import uvicorn

    from sync.server.app import environment_for_workers, open_central
    from sync.server.settings import CENTRAL_DATABASE_URL_ENV, load_server_settings

    settings = load_server_settings(args.database_url)
    try:
        open_central(settings).close()
    except Exception as error:
        raise CommandFailed(str(error)) from None
    os.environ[CENTRAL_DATABASE_URL_ENV] = settings.database_url
    os.environ.update(environment_for_workers(args.at, args.secure_cookies))
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again under the handler
    # it found; with this one that ends the command with status 0 (a requested stop).
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.run(
        "sync.server.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="auto",  # uvloop and httptools (dependencies) when installed
        http="auto",
        log_level="info",
        access_log=args.access_log,
        proxy_headers=bool(args.forwarded_allow_ips),
        forwarded_allow_ips=args.forwarded_allow_ips or "",
        timeout_graceful_shutdown=10,
    )
    return ExitCode.OK


def _add_device(args: argparse.Namespace) -> int:
    from sync.server.auth import add_device

    central = _open(args)
    if args.hall not in central.settings.halls:
        known = ", ".join(sorted(central.settings.halls))
        raise CliError(f"unknown hall {args.hall!r}; known halls: {known}")
    with central.transaction() as session:
        device, token = add_device(session, args.hall, args.name or args.hall)
        device_id = device.id
    if args.json:
        print_json({"device_id": device_id, "hall": args.hall, "token": token})
    else:
        print(f"device {device_id} for hall {args.hall}")
        print(f"token (shown once; put it in the kiosk's device.toml [central] token): {token}")
    return ExitCode.OK


def _revoke_device(args: argparse.Namespace) -> int:
    from sync.server.auth import revoke_device
    from sync.server.errors import NotFound

    central = _open(args)
    try:
        with central.transaction() as session:
            device = revoke_device(session, args.device_id)
            hall = device.hall_id
    except NotFound as error:
        raise CliError(error.message) from None
    if args.json:
        print_json({"device_id": args.device_id, "hall": hall, "revoked": True})
    else:
        print(f"device {args.device_id} of hall {hall} revoked")
    return ExitCode.OK


def _devices(args: argparse.Namespace) -> int:
    from sync.server.auth import list_devices

    central = _open(args)
    with central.transaction() as session:
        rows = [
            {
                "device_id": d.id,
                "hall": d.hall_id,
                "name": d.name,
                "created_at": d.created_at.isoformat(timespec="seconds"),
                "revoked": d.revoked_at is not None,
                "last_sequence": d.last_sequence,
                "last_seen_at": d.last_seen_at.isoformat(timespec="seconds")
                if d.last_seen_at
                else None,
            }
            for d in list_devices(session)
        ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            state = "revoked" if row["revoked"] else "active"
            print(f"{row['device_id']:>4}  {row['hall']:<20} {row['name']:<20} {state}")
    return ExitCode.OK


def _add_staff(args: argparse.Namespace) -> int:
    from sync.server.auth import Role, add_staff
    from sync.server.errors import CentralError

    try:
        role = Role(args.role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise CliError(f"unknown role {args.role!r}; roles: {known}") from None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.user}: ")
        if getpass.getpass("again: ") != password:
            raise CliError("the two passwords differ")
    central = _open(args)
    unknown = sorted(set(args.hall) - set(central.settings.halls))
    if unknown:
        known = ", ".join(sorted(central.settings.halls))
        raise CliError(f"unknown hall {unknown[0]!r}; known halls: {known}")
    try:
        with central.transaction() as session:
            add_staff(session, args.user, password, role, args.hall)
    except CentralError as error:
        raise CliError(error.message) from None
    where = "every hall" if role is Role.COUNTY_ADMIN else ", ".join(sorted(set(args.hall)))
    if args.json:
        halls = sorted(set(args.hall)) if role is not Role.COUNTY_ADMIN else None
        print_json({"user": args.user, "role": role.value, "halls": halls})
    else:
        print(f"staff user {args.user} ({role.value}, {where}) can log in at /staff/")
    return ExitCode.OK
