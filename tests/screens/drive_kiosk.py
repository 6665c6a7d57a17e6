"""Drive the kiosk in a real window: card taps through the reader simulator, touches on the
screen, tickets through the printer simulator. Prints one JSON report (see test_kiosk.py).

usage: drive_kiosk.py STORE_URL ARTEFACT_DIR
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens import env

env.prepare((1080, 1920))

from hardware.idcard.cardfile import demo_cards  # noqa: E402
from hardware.idcard.driver import IdCardReader, ReaderSettings  # noqa: E402
from hardware.idcard.simulator import ReaderSimulator  # noqa: E402
from kiosk.clock import FixedClock  # noqa: E402
from kiosk.services import add_booking  # noqa: E402
from kiosk.services.devices import device_alerts  # noqa: E402
from tests.screens.harness import Driver, image_stats, open_store, report, run_main  # noqa: E402
from tests.services.people import person  # noqa: E402

MONDAY = datetime(2026, 11, 23, 10, 0)
SATURDAY = datetime(2026, 11, 28, 9, 30)


def main() -> int:
    store_url, folder = sys.argv[1], Path(sys.argv[2])
    store = open_store(store_url, "xixia", "kiosk-1")
    cards = demo_cards()
    zhang = cards["resident-zhang-wei"]
    li = cards["resident-li-xiaohong"]
    booked = add_booking(
        store,
        zhang.identity,
        "social-insurance",
        datetime(2026, 11, 23, 10, 0),
        datetime(2026, 11, 20, 9, 0),
        channel="on_site",
    )
    assert booked.booking is not None, booked.message
    # Tuesday 10:00 is full for household registration, 10:30 has one place taken
    friday = datetime(2026, 11, 20, 9, 0)
    for index, minute in enumerate((0, 0, 0, 0, 30)):
        other = person(f"预约{index}", sequence=800 + index)
        slot = datetime(2026, 11, 24, 10, minute)
        result = add_booking(store, other, "household", slot, friday, channel="on_site")
        assert result.booking is not None, result.message

    clock = FixedClock(MONDAY)
    simulator = ReaderSimulator().start()
    reader = IdCardReader(
        ReaderSettings(port=simulator.url, poll_interval=0.05), today=lambda: clock.now().date()
    )
    printer, printer_log = make_printer(folder)
    voice_dir = folder / "kiosk-voice"
    for old in voice_dir.glob("*.wav"):
        old.unlink()
    from hardware.voice import make_announcer

    voice = make_announcer("espeak", wav_dir=voice_dir, repeat=1)

    from screens.kiosk_app import KioskApp

    app = KioskApp(store, clock, reader=reader, printer=printer, idle_seconds=3, voice=voice)
    driver = Driver(app, folder)
    seen: dict[str, object] = {"steps": []}
    steps: list[dict[str, object]] = seen["steps"]  # type: ignore[assignment]

    def note(step: str, shot: str | None = None, **extra: object) -> None:
        current = app.manager.current
        screen = app.screens[current]
        entry: dict[str, object] = {"step": step, "screen": current}
        for key in ("kind", "number", "title", "body", "print_text", "question", "mode"):
            if hasattr(screen, key):
                entry[key] = getattr(screen, key)
        entry.update(extra)
        if shot:
            path = driver.screenshot(shot)
            entry["shot"] = path
            entry["stats"] = image_stats(path)
        steps.append(entry)

    driver.start()
    try:
        driver.wait(lambda: reader.online, "the reader to come online")
        app.refresh_status()
        note(
            "attract",
            "kiosk-attract",
            status=app.status_text,
            header=app.hours_text,
            period=app.period_line,
            hall=app.hall_name,
        )

        # 1. a booking holder taps the card: checked in, ticket printed
        simulator.place_card(zhang)
        driver.wait(lambda: app.manager.current == "ticket", "the check-in ticket")
        driver.wait(lambda: app.pending == 0, "the printer")
        note(
            "checkin",
            "kiosk-checkin-ticket",
            printed=list(app.printed),
            printer_bytes=printer_log(),
        )
        simulator.remove_card()
        driver.tap("home")
        note(
            "home_after_checkin",
            identity_cleared=app._identity is None,
            ticket_number_left=app.screens["ticket"].number,
        )

        # 2. walk-in: take a ticket for a service
        driver.tap("take_ticket")
        note("services", "kiosk-services")
        driver.tap("service:tax")
        driver.wait(lambda: app.manager.current == "ticket", "the walk-in ticket")
        driver.wait(lambda: app.pending == 0, "the printer")
        note(
            "walk_in", "kiosk-walkin-ticket", printed=list(app.printed), printer_bytes=printer_log()
        )

        # 3. idle reset: nothing of the last person stays
        driver.wait(lambda: app.manager.current == "attract", "the idle reset", timeout=20)
        note(
            "idle_reset",
            ticket_number_left=app.screens["ticket"].number,
            qr_left=app.screens["ticket"].qr is not None,
            choices_left=len(app.screens["choice"].ids.choices.children),
        )

        # 4. language and elderly mode
        driver.tap("toggle_lang")
        have_booking = driver.find("have_booking")
        note(
            "english",
            "kiosk-attract-en",
            lang=app.lang,
            button=have_booking.ids.main.text,
            header=app.hours_text,
        )
        driver.tap("toggle_lang")
        said_before_elderly = list(voice.said)
        driver.tap("toggle_elderly")
        names = [getattr(w, "name", "") for w in app.screens["attract"].ids.actions.children]
        note(
            "elderly",
            "kiosk-attract-elderly",
            scale=app.scale,
            actions=names,
            button_height=driver.find("take_ticket").height,
        )
        driver.tap("take_ticket")
        driver.tap("home")
        voice.wait_idle(30)
        note(
            "elderly_reset",
            scale=app.scale,
            lang=app.lang,
            said_before=said_before_elderly,
            said=list(voice.said),
            voice_files=sorted(p.name for p in voice_dir.glob("*.wav")),
            voice_failed=[str(error) for _item, error in voice.failed],
        )

        # 5. a card with no booking today: told so, offered a walk-in ticket
        simulator.place_card(li)
        driver.wait(lambda: app.manager.current == "message", "the no-booking answer")
        note("no_booking", "kiosk-no-booking")
        simulator.remove_card()
        driver.tap("take_ticket")
        note("walk_in_after_card", explanation=app.screens["choice"].explanation)
        driver.tap("home")

        # 6. on-site booking: item, day, slot, card, confirmation with every material
        driver.tap("book")
        driver.tap("service:household")
        driver.wait(lambda: app.pending == 0, "the free places")
        note("days", "kiosk-booking-days")
        day = [w.name for w in app.screens["choice"].ids.choices.children][-1]
        driver.tap(day)
        driver.wait(lambda: app.pending == 0, "the day's free places")
        buttons = list(reversed(app.screens["choice"].ids.choices.children))
        slot = next(w.name for w in buttons if not w.disabled)
        full_tap = "no"
        try:
            driver.tap(buttons[0].name)
        except AssertionError:
            full_tap = "refused"  # a full slot cannot be found among the selectable ones
        note(
            "slots",
            "kiosk-booking-slots",
            day=day,
            slot_buttons=[[w.name, w.disabled, w.ids.sub.text] for w in buttons],
            full_tap=full_tap,
            screen_after_full_tap=app.manager.current,
        )
        driver.tap(slot)
        note("booking_card", "kiosk-booking-card", slot=slot)
        simulator.place_card(li)
        driver.wait(lambda: app.manager.current == "materials", "the booking confirmation")
        driver.wait(lambda: app.pending == 0, "the printer")
        note(
            "booked",
            "kiosk-booked",
            materials=list(app.screens["materials"].materials),
            subtitle=app.screens["materials"].subtitle,
            printer_bytes=printer_log(),
        )
        simulator.remove_card()
        driver.tap("home")

        # 7. what to bring
        driver.tap("guide")
        driver.tap("service:real-estate")
        note("guide", "kiosk-guide", materials=list(app.screens["materials"].materials))
        before = len(printer_log())
        driver.tap("print_guide")
        driver.wait(lambda: app.pending == 0, "the printed guide")
        guide_job = PRINTERS[0].jobs[-1].data if len(printer_log()) > before else b""
        note(
            "guide_printed",
            jobs=len(printer_log()) - before,
            print_text=app.screens["materials"].print_text,
            guide_text="".join(guide_texts(guide_job)),
        )
        driver.tap("home")

        # 8. Saturday: booking-only, so a walk-in is refused with the reason and the next step
        clock.set(SATURDAY)
        app.refresh_header()
        driver.tap("take_ticket")
        note("saturday_services", "kiosk-services-saturday")
        driver.tap("service:social-insurance")
        driver.wait(lambda: app.manager.current == "message", "the refusal")
        note("refusal", "kiosk-refusal")
        driver.tap("home")

        # 9. the printer runs out of paper: the number stays on screen, staff are alerted
        clock.set(MONDAY.replace(hour=11))
        PRINTERS[0].set_paper_out()
        driver.tap("take_ticket")
        driver.tap("service:household")
        driver.wait(lambda: app.manager.current == "ticket", "the ticket")
        driver.wait(lambda: app.pending == 0, "the printer to give up")
        note(
            "paper_out",
            "kiosk-paper-out",
            status=app.status_text,
            fault=app.device_fault,
            paper_fault=app.screens["ticket"].paper_fault,
            printed=list(app.printed),
        )
        alerts = device_alerts(store).alerts
        note(
            "paper_out_alert",
            alerts=[[a.terminal, a.device, a.code, list(a.tickets)] for a in alerts],
        )
        PRINTERS[0].set_paper_out(False)
        app.check_printer()  # the kiosk asks again (every 10 s while faulty) and finds it back
        driver.wait(lambda: app.pending == 0, "the printer status")
        note(
            "printer_back",
            alerts=len(device_alerts(store).alerts),
            status=app.status_text,
            events=event_types(store),
        )
        driver.tap("home")

        # 10. the reader is unplugged: the status line says so honestly
        simulator.unplug()
        driver.wait(lambda: not reader.online, "the reader to go offline", timeout=20)
        driver.frames(2)
        app.refresh_status()
        from screens.kiosk_app import READER_GRACE_TICKS

        # The kiosk checks the reader once a second from its ticker; the checks are made here
        # instead, so the count of seconds offline is exact whatever the machine's speed.
        app._ticker.cancel()
        app._reader_offline_ticks = 0
        app._watch_reader()  # the first second offline: nobody is alerted yet
        driver.wait(lambda: app.pending == 0, "the reader watch")
        note("reader_grace", alerts=len(device_alerts(store).alerts))
        for _ in range(READER_GRACE_TICKS - 1):  # one check a second, as the kiosk's ticker does
            app._watch_reader()
        driver.wait(lambda: app.pending == 0, "the reader alert")
        note(
            "reader_alert",
            alerts=[[a.terminal, a.device, a.code] for a in device_alerts(store).alerts],
        )
        note("central_never", central=app.central.summary(clock.now()) if app.central else None)

        # 11. the hall loses its link to the central booking store (the sync process says so)
        from sync.state import Problem, record_failure, record_success

        with store.write() as session:
            record_success(session, "xixia", MONDAY.replace(hour=10, minute=50))
            record_failure(
                session,
                "xixia",
                MONDAY.replace(hour=10, minute=55),
                Problem.UNREACHABLE,
                "connection refused",
            )
        app.check_central()
        driver.wait(lambda: app.pending == 0, "the sync state read")
        note(
            "central_offline",
            "kiosk-central-offline",
            status=app.status_text,
            fault=app.device_fault,
        )
        note(
            "reader_offline", "kiosk-reader-offline", status=app.status_text, fault=app.device_fault
        )
        simulator.plug()
        driver.wait(lambda: reader.online, "the reader to come back", timeout=20)
        app._watch_reader()
        driver.wait(lambda: app.pending == 0, "the reader recovery")
        note(
            "reader_back",
            alerts=len(device_alerts(store).alerts),
            events=event_types(store, "reader"),
        )
    finally:
        driver.stop()
        simulator.stop()
        for printer_simulator in PRINTERS:
            printer_simulator.stop()
        store.close()
    seen["shots"] = driver.shots
    report(seen)
    return 0


def make_printer(folder: Path):  # type: ignore[no-untyped-def]
    """The TCP printer simulator and the kiosk's real ESC/POS driver pointed at it."""
    from hardware.printer.driver import EscposPrinter
    from hardware.printer.simulator import PrinterSimulator

    simulator = PrinterSimulator(port=0, paper_mm=80, preview_dir=folder / "printer").start()
    printer = EscposPrinter(simulator.url(timeout=10), confirm_timeout=10)
    PRINTERS.append(simulator)
    return printer, lambda: [len(job.data) for job in simulator.jobs]


PRINTERS: list = []  # type: ignore[type-arg]


def guide_texts(data: bytes) -> list[str]:
    from hardware.printer.decode import parse, texts

    return texts(parse(data)) if data else []


def event_types(store, device: str = "printer") -> list[str]:  # type: ignore[no-untyped-def]
    from kiosk.store.models import Event

    with store.read() as session:
        rows = session.query(Event.type).filter(Event.type.like(f"{device}%")).order_by(Event.seq)
        return [row[0] for row in rows]


if __name__ == "__main__":
    run_main(main)
