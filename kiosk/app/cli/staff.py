"""``kiosk staff``: the clerks of a hall (the hall file's ``[[clerks]]``) and their PINs."""

from __future__ import annotations

import argparse
import getpass
import sys

from kiosk.app.cli.common import CliError, add_json_flag, print_json
from kiosk.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = subparsers.add_parser("staff", help="clerks who sign in at window consoles")
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    pin = actions.add_parser(
        "pin-hash", help="hash a sign-in PIN for a clerk's 'pin' in the hall file"
    )
    pin.add_argument("--stdin", action="store_true", help="read the PIN from standard input")
    pin.set_defaults(handler=run_pin_hash)
    listing = actions.add_parser("list", help="the hall's clerks (工号 and name)")
    listing.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)


def run_pin_hash(args: argparse.Namespace) -> int:
    from kiosk.domain.staff import hash_pin

    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("PIN (4-12 digits): ")
        if getpass.getpass("again: ") != pin:
            raise CliError("the two PINs differ")
    try:
        print(hash_pin(pin))
    except ValueError as error:
        raise CliError(str(error)) from None
    return ExitCode.OK


def run_list(args: argparse.Namespace) -> int:
    from kiosk.config import load_hall
    from kiosk.settings import load_settings

    hall = load_hall(load_settings().require_hall(args.hall))
    rows = [{"id": c.id, "name_zh": c.name_zh, "name_en": c.name_en} for c in hall.clerks]
    if args.json:
        print_json({"hall": hall.id, "clerks": rows})
    elif not rows:
        print(f"{hall.id}: no clerks listed (add [[clerks]] to the hall file)")
    else:
        for row in rows:
            print(f"{row['id']}  {row['name_zh']}  {row['name_en']}")
    return ExitCode.OK
