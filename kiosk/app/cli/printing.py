"""``kiosk print``, ``kiosk printer`` and ``kiosk say``: the ticket printer and the voice.

``kiosk print ticket`` lays a ticket out and sends it to a printer (``--printer URL``), writes
the job's bytes (``--bin``) or a PNG preview (``--png``). ``kiosk print status --json`` prints
``{"online": …, "paper": …, "cover_open": …}`` and exits 1 when the printer cannot print now.
``kiosk printer simulate`` is a network printer for the demo and tests; ``kiosk printer
control`` switches a running one into paper-out, offline... from another process.
``kiosk say`` speaks a text or a call, to the sound device or a WAV file.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.app.cli.common import CliError, CommandFailed, add_json_flag, parse_minute, print_json
from kiosk.errors import ExitCode
from kiosk.i18n import _


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    printing = subparsers.add_parser("print", help="print a ticket, ask the printer's status")
    actions = printing.add_subparsers(dest="print_command", required=True, metavar="ACTION")

    ticket = actions.add_parser("ticket", help="lay out a ticket; print it, save bytes or a PNG")
    ticket.add_argument("--number", required=True, help="ticket number, e.g. A012")
    ticket.add_argument("--service", required=True, help="service name (Chinese)")
    ticket.add_argument("--service-en", help="service name in English")
    ticket.add_argument("--hall", help="hall id: its names, phone and today's hours")
    ticket.add_argument("--hall-name", help="hall name (Chinese), instead of --hall")
    ticket.add_argument("--hall-name-en", default="", help="hall name in English")
    ticket.add_argument("--ahead", type=int, default=0, help="people ahead")
    ticket.add_argument("--wait", type=int, default=0, help="estimated wait in minutes")
    ticket.add_argument("--issued", type=parse_minute, help="issue time YYYY-MM-DDTHH:MM (now)")
    ticket.add_argument("--name", help="masked name of a booked ticket, e.g. 张*三")
    ticket.add_argument("--slot-start", type=parse_minute, help="booked slot start")
    ticket.add_argument("--slot-end", type=parse_minute, help="booked slot end")
    ticket.add_argument("--item", help="booked item")
    ticket.add_argument("--material", action="append", default=[], help="a material (repeat)")
    ticket.add_argument("--url", help="status URL for the QR code")
    ticket.add_argument("--hours", help="today's hours line (default: from --hall)")
    ticket.add_argument("--phone", help="hall's public phone number")
    ticket.add_argument("--booked", action="store_true", help="a booked (priority) ticket")
    ticket.add_argument("--where", default="", help="window(s) or area to go to")
    ticket.add_argument("--priority", action="store_true", help="mark 优先 (priority group)")
    ticket.add_argument("--materials-only", action="store_true", help="mark 仅接收材料")
    ticket.add_argument("--reprint", type=parse_minute, help="a reprint (补打) at YYYY-MM-DDTHH:MM")
    ticket.add_argument("--code", help="short booking code (7 characters)")
    ticket.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN", help="ticket language")
    ticket.add_argument("--profile", help="58-raster, 80-gb18030… (default: the printer URL's)")
    ticket.add_argument("--printer", help="printer URL, e.g. tcp:192.168.1.50:9100")
    ticket.add_argument("--png", type=Path, help="write a PNG preview here")
    ticket.add_argument("--bin", type=Path, help="write the ESC/POS bytes here")
    ticket.set_defaults(handler=run_ticket)

    status = actions.add_parser("status", help="ask the printer for paper / cover / online")
    status.add_argument("--printer", required=True, help="printer URL")
    add_json_flag(status)
    status.set_defaults(handler=run_status)

    printer = subparsers.add_parser("printer", help="simulated network printer")
    sim_actions = printer.add_subparsers(dest="printer_command", required=True, metavar="ACTION")
    simulate = sim_actions.add_parser("simulate", help="run a network printer on a TCP port")
    simulate.add_argument("--listen", default="127.0.0.1:9100", help="HOST:PORT (port 0: any)")
    simulate.add_argument("--paper", type=int, choices=(58, 80), default=80, help="paper width")
    simulate.add_argument("--preview-dir", type=Path, help="write job-NNNN.png/.bin here")
    simulate.add_argument("--control", type=Path, help="Unix socket for `kiosk printer control`")
    simulate.set_defaults(handler=run_simulate)

    from hardware.printer.simulator import CONTROL_OPS

    control = sim_actions.add_parser("control", help="switch a running simulator's state")
    control.add_argument("--control", required=True, type=Path, help="the simulator's --control")
    control.add_argument("op", choices=CONTROL_OPS, help="the state to switch to")
    control.add_argument("--bytes", type=int, default=0, help="for run_out_after")
    control.set_defaults(handler=run_control)

    say = subparsers.add_parser("say", help="speak a text or a call (sound device or WAV)")
    say.add_argument("text", nargs="?", help="text to speak with espeak-ng")
    say.add_argument("--call", metavar="NUMBER", help="announce this ticket number")
    say.add_argument("--window", type=int, help="window number for --call")
    say.add_argument("--recall", action="store_true", help="a recall")
    say.add_argument("--engine", choices=("espeak", "clips"), default="clips", help="for --call")
    say.add_argument("--english", action="store_true", help="also say the call in English")
    say.add_argument("--repeat", type=int, default=2, help="times the call is said (1-5)")
    say.add_argument("--recorded", type=Path, help="folder of recorded clips (zh/…, en/…)")
    say.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of TEXT")
    say.add_argument("--wav", type=Path, help="write the sound here instead of playing it")
    say.set_defaults(handler=run_say)


# -- print ticket --------------------------------------------------------------------------


def _hall_details(args: argparse.Namespace, day: datetime) -> dict[str, Any]:
    if args.hall:
        from kiosk.config import load_calendar, load_hall
        from kiosk.domain.schedule import day_plan
        from kiosk.messages import hours_line

        hall = load_hall(args.hall)
        with _language(args.lang):
            hours = args.hours or hours_line(day_plan(hall, day.date(), load_calendar()))
        return {
            "hall_name_zh": args.hall_name or hall.name_zh,
            "hall_name_en": args.hall_name_en or hall.name_en,
            "phone": args.phone or hall.phone or None,
            "hours_today": hours,
        }
    if not args.hall_name:
        raise CliError("give --hall (a hall id) or --hall-name")
    return {
        "hall_name_zh": args.hall_name,
        "hall_name_en": args.hall_name_en,
        "phone": args.phone,
        "hours_today": args.hours or "",
    }


def _language(language: str) -> Any:
    from kiosk.i18n import use_language

    return use_language(language)


def build_slip(args: argparse.Namespace) -> Any:
    from kiosk.domain.slip import SlipError, TicketSlip

    issued = args.issued or datetime.now().replace(second=0, microsecond=0)
    try:
        return TicketSlip(
            number=args.number,
            service_name_zh=args.service,
            service_name_en=args.service_en or "",
            issued_at=issued,
            ahead=args.ahead,
            wait_minutes=args.wait,
            masked_name=args.name,
            slot_start=args.slot_start,
            slot_end=args.slot_end,
            item_name=args.item,
            materials=tuple(args.material),
            status_url=args.url,
            booked=args.booked or args.name is not None,
            language=args.lang,
            where=args.where,
            priority=args.priority,
            materials_only=args.materials_only,
            reprint=args.reprint is not None,
            printed_at=args.reprint,
            booking_code=args.code,
            **_hall_details(args, issued),
        )
    except SlipError as error:
        raise CliError(str(error)) from None


def run_ticket(args: argparse.Namespace) -> int:
    from hardware.printer.address import AddressError, parse_address
    from hardware.printer.layout import ticket_commands
    from hardware.printer.profiles import PrinterProfile, ProfileError
    from hardware.printer.raster import FontMissing

    if not (args.printer or args.png or args.bin):
        raise CliError("nothing to do: give --printer URL, --png FILE or --bin FILE")
    try:
        address = parse_address(args.printer) if args.printer else None
        if args.profile:
            profile = PrinterProfile.from_name(args.profile)
        else:
            profile = address.profile if address else PrinterProfile()
    except (AddressError, ProfileError) as error:
        raise CliError(str(error)) from None
    slip = build_slip(args)
    try:
        data = ticket_commands(slip, profile)
    except FontMissing as error:
        raise CommandFailed(str(error)) from None
    if args.bin:
        _write(args.bin, data)
    if args.png:
        from hardware.printer.preview import render

        image = render(data, profile.dots)
        try:
            args.png.parent.mkdir(parents=True, exist_ok=True)
            image.save(args.png, format="PNG")
        except OSError as error:
            raise CommandFailed(f"{args.png}: {error.strerror or error}") from None
    if address is not None:
        from dataclasses import replace

        from hardware.printer.driver import EscposPrinter
        from kiosk.ports.printer import PrinterError

        printer = EscposPrinter(replace(address, profile=profile))
        try:
            printer.print_job(data, slip.number)
        except PrinterError as error:
            raise CommandFailed(str(error)) from None
        print(_("已打印 {number}").format(number=slip.number))
    return ExitCode.OK


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise CommandFailed(f"{path}: {error.strerror or error}") from None


def run_status(args: argparse.Namespace) -> int:
    from hardware.printer.address import AddressError
    from hardware.printer.driver import EscposPrinter

    try:
        printer = EscposPrinter(args.printer)
    except AddressError as error:
        raise CliError(str(error)) from None
    status = printer.status()
    if args.json:
        print_json(status.as_dict())
    else:
        paper = {"ok": _("正常"), "near_end": _("将尽"), "out": _("缺纸"), "unknown": _("未知")}
        cover = {True: _("打开"), False: _("关闭"), None: _("未知")}
        print(f"{_('在线')}: {_('是') if status.online else _('否')}")
        print(f"{_('纸张')}: {paper[status.paper]}")
        print(f"{_('机盖')}: {cover[status.cover_open]}")
    return ExitCode.OK if status.ready else ExitCode.FAILED


# -- printer simulate / control --------------------------------------------------------------


def _listen(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise CliError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:9100")
    return host, int(port)


def run_simulate(args: argparse.Namespace) -> int:
    from hardware.printer.simulator import PrinterSimulator

    host, port = _listen(args.listen)
    simulator = PrinterSimulator(host, port, args.paper, args.preview_dir, args.control)
    try:
        simulator.start()
    except OSError as error:
        raise CommandFailed(f"cannot listen on {args.listen}: {error.strerror or error}") from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"printer simulator listening: {simulator.url()}", flush=True)
    if args.control:
        print(f"control socket: {args.control}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    print(f"{len(simulator.jobs)} jobs printed", file=sys.stderr)
    return ExitCode.OK


def run_control(args: argparse.Namespace) -> int:
    from hardware.printer.simulator import ControlError, send_control

    try:
        state = send_control(args.control, args.op, bytes=args.bytes)
    except ControlError as error:
        raise CommandFailed(str(error)) from None
    print_json(state)
    return ExitCode.OK


# -- say ---------------------------------------------------------------------------------


def run_say(args: argparse.Namespace) -> int:
    from hardware.voice.output import DevicePlayer, Output, WavFile
    from kiosk.ports.announcer import Announcement, AnnouncerError

    if (args.text is None) == (args.call is None):
        raise CliError("give either TEXT or --call NUMBER --window N")
    try:
        output: Output = WavFile(args.wav) if args.wav else DevicePlayer()
        if args.text is not None:
            from hardware.voice.speech import EspeakSpeech

            output.play(EspeakSpeech().speak(args.text, args.lang), "say")
            return ExitCode.OK
        if args.window is None:
            raise CliError("--call needs --window")
        try:
            announcement = Announcement(args.call, args.window, args.recall)
        except ValueError as error:
            raise CliError(str(error)) from None
        from hardware.voice.announcer import VoiceAnnouncer
        from hardware.voice.speech import ClipLibrary, ClipSpeech, EspeakSpeech, Speech

        speech: Speech = (
            EspeakSpeech()
            if args.engine == "espeak"
            else ClipSpeech(ClipLibrary(recorded_dir=args.recorded))
        )
        try:
            announcer = VoiceAnnouncer(speech, output, repeat=args.repeat, english=args.english)
        except ValueError as error:
            raise CliError(str(error)) from None
        announcer.announce(announcement)
        announcer.close()
        if announcer.failed:
            raise AnnouncerError(str(announcer.failed[0][1]))
    except AnnouncerError as error:
        raise CommandFailed(str(error)) from None
    return ExitCode.OK
