"""``kiosk card``: read a card, decode a captured frame, run and steer the simulated reader.

``read`` and ``decode`` mask the number and the name unless ``--show-id`` is given: they are
diagnostics for technicians, and a terminal's scroll-back is a log too.
"""

from __future__ import annotations

import argparse
import signal
import string
import sys
import threading
from pathlib import Path
from typing import Any

from kiosk.app.cli.common import CliError, CommandFailed, add_json_flag, parse_date, print_json
from kiosk.domain.identity import CardType, Identity, mask_id_number, mask_name
from kiosk.errors import ExitCode
from kiosk.i18n import _

CARD_TYPE_LABELS = {
    CardType.RESIDENT: "居民身份证",
    CardType.HMT_RESIDENCE: "港澳台居民居住证",
    CardType.FOREIGN_PERMANENT: "外国人永久居留身份证",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    card = subparsers.add_parser("card", help="ID-card reader: read, decode, simulate")
    commands = card.add_subparsers(dest="card_command", required=True, metavar="ACTION")

    read = commands.add_parser("read", help="wait for one card and print the identity")
    read.add_argument("--port", required=True, help="serial port, symlink or pyserial URL")
    read.add_argument("--baud", type=int, default=115200, help="line rate (default 115200)")
    read.add_argument("--set-baud", type=int, help="switch the reader to this rate (60 xx)")
    read.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a card")
    read.add_argument("--show-id", action="store_true", help="print number and name in full")
    read.add_argument("--today", type=parse_date, help="judge expiry on this day (default: today)")
    add_json_flag(read)
    read.set_defaults(handler=run_read)

    decode = commands.add_parser("decode", help="decode a captured reply frame (hex or binary)")
    decode.add_argument("file", type=Path, help="file holding the frame")
    decode.add_argument("--show-id", action="store_true", help="print number and name in full")
    add_json_flag(decode)
    decode.set_defaults(handler=run_decode)

    simulate = commands.add_parser("simulate", help="serve a simulated reader on a pty")
    simulate.add_argument("--link", required=True, type=Path, help="symlink to create")
    simulate.add_argument("--card", help="card file (or demo card name) placed at start")
    simulate.add_argument("--baud", type=int, default=115200, help="wire speed to pace at")
    simulate.set_defaults(handler=run_simulate)

    control = commands.add_parser("control", help="steer a running `kiosk card simulate`")
    control.add_argument("--link", required=True, type=Path, help="the simulator's --link")
    control.add_argument(
        "op",
        choices=("place", "remove", "fault", "clear", "unplug", "plug", "status"),
        help="what to do to the simulated reader",
    )
    control.add_argument("arg", nargs="?", help="card file for place, fault name for fault")
    control.add_argument(
        "--on", choices=("find", "select", "read", "status"), help="the command a fault hits"
    )
    control.add_argument("--times", type=int, help="replies the fault hits (default: all)")
    control.add_argument("--code", type=lambda t: int(t, 16), help="SW3 in hex for sam_failure")
    control.set_defaults(handler=run_control)


def identity_document(identity: Identity, show_id: bool = False) -> dict[str, Any]:
    """The JSON shape of ``kiosk card read``; masked unless ``show_id``."""
    name_en = identity.name_en
    return {
        "card_type": identity.card_type.value,
        "name": identity.name if show_id else mask_name(identity.name),
        "name_en": name_en if show_id or name_en is None else mask_name(name_en),
        "sex": identity.sex,
        "nation": identity.nation,
        "nationality": identity.nationality,
        "birth": identity.birth.isoformat(),
        "address": identity.address,
        "id_number": identity.id_number if show_id else mask_id_number(identity.id_number),
        "authority": identity.authority,
        "valid_from": identity.valid_from.isoformat(),
        "valid_to": identity.valid_to.isoformat() if identity.valid_to else "long_term",
    }


def _print_identity(identity: Identity, args: argparse.Namespace) -> None:
    document = identity_document(identity, args.show_id)
    if args.json:
        print_json(document)
        return
    labels = {
        "card_type": _("证件类型"),
        "name": _("姓名"),
        "name_en": _("英文姓名"),
        "sex": _("性别"),
        "nation": _("民族"),
        "nationality": _("国籍"),
        "birth": _("出生日期"),
        "address": _("住址"),
        "id_number": _("证件号码"),
        "authority": _("签发机关"),
        "valid_from": _("有效期起"),
        "valid_to": _("有效期至"),
    }
    document["card_type"] = _(CARD_TYPE_LABELS[identity.card_type])
    if document["valid_to"] == "long_term":
        document["valid_to"] = _("长期")
    for key, label in labels.items():
        if document[key] is not None:
            print(f"{label}: {document[key]}")


def run_read(args: argparse.Namespace) -> int:
    from hardware.idcard.driver import ReaderSettings, read_one
    from kiosk.ports.card_reader import CardReaderError

    if args.timeout <= 0:
        raise CliError("--timeout must be positive")
    try:
        settings = ReaderSettings(args.port, baudrate=args.baud, switch_baudrate=args.set_baud)
    except ValueError as error:
        raise CliError(str(error)) from None
    try:
        if args.today:
            identity = read_one(settings, args.timeout, today=lambda: args.today)
        else:
            identity = read_one(settings, args.timeout)
    except TimeoutError:
        message = _("{seconds} 秒内没有读到证件").format(seconds=f"{args.timeout:g}")
        raise CommandFailed(message) from None
    except CardReaderError as error:
        raise CommandFailed(str(error)) from None
    _print_identity(identity, args)
    return ExitCode.OK


def _frame_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CliError(f"{path}: {error.strerror or error}") from None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return raw
    compact = "".join(text.split()).replace("0x", "").replace(",", "")
    if compact and all(ch in string.hexdigits for ch in compact):
        if len(compact) % 2:
            raise CommandFailed(f"{path}: odd number of hex digits")
        return bytes.fromhex(compact)
    return raw


def run_decode(args: argparse.Namespace) -> int:
    from hardware.idcard.card import CardDataError, decode_text, split_read_data
    from hardware.idcard.codec import (
        MIN_REPLY_LEN,
        FrameError,
        FrameParser,
        Garbage,
        Reply,
        ResultCode,
        TruncatedFrame,
    )

    data = _frame_bytes(args.file)
    parser = FrameParser(min_len=MIN_REPLY_LEN)
    replies: list[Reply] = []
    for item in parser.feed(data):
        if isinstance(item, bytes):
            replies.append(Reply.from_payload(item))
        elif not isinstance(item, Garbage):
            assert isinstance(item, FrameError)
            raise CommandFailed(f"{args.file}: {item}")
    if parser.pending:
        error = TruncatedFrame(f"frame cut short: {parser.pending} bytes of an unfinished frame")
        raise CommandFailed(f"{args.file}: {error}")
    if not replies:
        raise CommandFailed(f"{args.file}: no reply frame found")
    for reply in replies:
        if reply.sw3 != ResultCode.SUCCESS or len(reply.data) < 4:
            continue
        last_error: CardDataError | None = None
        for with_fingerprints in (False, True):
            try:
                record = decode_text(split_read_data(reply.data, with_fingerprints))
            except CardDataError as error:
                last_error = last_error or error
                continue
            _print_identity(record.identity, args)
            return ExitCode.OK
        raise CommandFailed(f"{args.file}: {_('证件信息无效')}: {last_error}")
    codes = ", ".join(f"{r.sw3:02X} ({r.meaning})" for r in replies)
    raise CommandFailed(f"{args.file}: no card data; result {codes}")


def _card_argument(value: str) -> Any:
    from hardware.idcard.cardfile import DEMO_CARDS_DIR, CardFileError, load_card

    path = Path(value)
    if not path.exists() and (DEMO_CARDS_DIR / f"{value}.json").exists():
        path = DEMO_CARDS_DIR / f"{value}.json"
    try:
        return load_card(path)
    except CardFileError as error:
        raise CliError(str(error)) from None


def run_simulate(args: argparse.Namespace) -> int:
    from hardware.idcard.codec import BAUD_SELECTORS
    from hardware.idcard.simulator import ReaderSimulator, control_path

    if args.baud not in BAUD_SELECTORS:
        raise CliError(f"--baud must be one of {', '.join(map(str, BAUD_SELECTORS))}")
    card = _card_argument(args.card) if args.card else None
    simulator = ReaderSimulator(args.baud, link=args.link.absolute())
    try:
        simulator.start(control=True)
    except OSError as error:
        raise CommandFailed(f"{args.link}: {error.strerror or error}") from None
    if card is not None:
        simulator.place_card(card)
    print(f"simulated reader at {simulator.url} ({args.baud} baud)", flush=True)
    print(f"control: kiosk card control --link {args.link} status  ({control_path(args.link)})")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a service stop is not a failure
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return ExitCode.OK


def run_control(args: argparse.Namespace) -> int:
    from hardware.idcard.simulator import send_control

    request: dict[str, Any] = {"op": args.op}
    if args.op == "place":
        if not args.arg:
            raise CliError("place needs a card file")
        card = Path(args.arg)
        _card_argument(args.arg)  # refuse a bad file here, with its own message
        from hardware.idcard.cardfile import DEMO_CARDS_DIR

        if not card.exists():
            card = DEMO_CARDS_DIR / f"{args.arg}.json"
        request["card"] = str(card.absolute())
    elif args.op == "fault":
        if not args.arg:
            raise CliError("fault needs a name")
        request.update(fault=args.arg, on=args.on, times=args.times)
        if args.code is not None:
            request["code"] = args.code
    try:
        answer = send_control(args.link, request)
    except OSError as error:
        raise CommandFailed(f"no simulator at {args.link}: {error.strerror or error}") from None
    if not answer.get("ok"):
        raise CommandFailed(str(answer.get("error")))
    print_json(answer["status"])
    return ExitCode.OK
