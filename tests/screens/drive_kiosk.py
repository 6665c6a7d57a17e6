"""Drive the kiosk in a real window: card taps through the reader simulator, touches on the
screen, tickets through the printer simulator, guidance through the voice (espeak-ng to WAV
files). Prints one JSON report (see test_kiosk.py).

The kiosk's one-second tick is stopped and sent by hand (``Tick`` events), so the idle reset
and the reader's grace period are counted exactly whatever the machine's speed.

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
from screens.flows.devices import STORE_CHECK_TICKS  # noqa: E402
from screens.flows.effects import ReadCentral  # noqa: E402
from screens.flows.events import Tick  # noqa: E402
from tests.screens.harness import Driver, open_store, report, run_main  # noqa: E402
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
    # ceilings, not timing checks: a loaded machine may answer slowly (unplugging is seen at
    # once: the port fails)
    reader = IdCardReader(
        ReaderSettings(
            port=simulator.url, poll_interval=0.05, command_timeout=10.0, read_timeout=10.0,
            byte_gap_timeout=10.0,
        ),
        today=lambda: clock.now().date(),
    )  # fmt: skip
    printer, printer_log = make_printer(folder)
    voice_dir = folder / "kiosk-voice"
    for old in voice_dir.glob("*.wav"):
        old.unlink()
    from hardware.voice import make_announcer

    voice = make_announcer("espeak", wav_dir=voice_dir, repeat=1)

    from screens.kiosk_app import KioskApp
    from sync.state import read_state

    app = KioskApp(
        store,
        clock,
        reader=reader,
        printer=printer,
        voice=voice,
        staff_pin="2580",
        central=lambda now: read_state(store, now),
    )
    driver = Driver(app, folder)
    seen: dict[str, object] = {"steps": []}
    steps: list[dict[str, object]] = seen["steps"]  # type: ignore[assignment]

    def view():  # type: ignore[no-untyped-def]
        return app.frame.view

    def note(step: str, shot: str | None = None, **extra: object) -> None:
        frame = app.frame
        entry: dict[str, object] = {
            "step": step,
            "screen": app.manager.current,
            "kind": frame.view.kind,
            "title": frame.view.title,
            "body": frame.view.body,
            "note": frame.view.note,
            "choices": [c.name for c in frame.view.choices],
        }
        if frame.view.ticket is not None:
            entry["number"] = frame.view.ticket.number
            entry["print_text"] = frame.view.ticket.print_text
            entry["marks"] = list(frame.view.ticket.marks)
        entry.update(extra)
        if shot:
            entry.update(driver.shot(shot))
        steps.append(entry)

    def tick(seconds: int = 1, online: bool | None = None) -> None:
        for _ in range(seconds):
            app.send(Tick(reader.online if online is None else online))
        driver.frames(2)

    driver.start()
    app._ticker.cancel()  # time is told by hand from here on
    try:
        driver.wait(lambda: reader.online, "the reader to come online")
        tick()
        note(
            "home",
            "kiosk-home",
            status=app.status_text,
            header=app.hours_text,
            period=app.period_line,
            hall=app.hall_name,
        )

        # 1. a booking holder lays the card down: checked in, ticket printed, told where to go
        simulator.place_card(zhang)
        driver.wait(lambda: app.manager.current == "ticket", "the check-in ticket")
        driver.wait(lambda: app.pending == 0, "the printer")
        driver.frames(3)
        note(
            "checkin",
            "kiosk-checkin-ticket",
            printed=list(app.printed),
            printer_bytes=printer_log(),
            said=list(app.said),
            taps=driver.taps,
        )
        simulator.remove_card()
        driver.tap("home")
        note(
            "home_after_checkin",
            journeys=len(app.flow.journeys),
            ticket_number_left=app.screens["ticket"].panel.number,
        )

        # 2. walk-in: two taps
        taps = driver.taps
        driver.tap("take_ticket")
        note("services", "kiosk-services")
        driver.tap("service:tax")
        driver.wait(lambda: app.manager.current == "ticket", "the walk-in ticket")
        driver.wait(lambda: app.pending == 0, "the printer")
        driver.frames(3)
        note(
            "walk_in",
            "kiosk-walkin-ticket",
            printed=list(app.printed),
            printer_bytes=printer_log(),
            taps=driver.taps - taps,
        )

        # 3. the idle countdown asks first, then nothing of the last person stays
        tick(45)
        note("more_time", "kiosk-more-time", asking=app.asking_more_time, said=app.said[-1])
        tick(15)
        note(
            "idle_reset",
            ticket_number_left=app.screens["ticket"].panel.number,
            qr_left=app.screens["ticket"].qr is not None,
            choices_left=len(app.screens["choice"].ids.choices.children),
        )

        # 4. language and large type
        driver.tap("toggle_lang")
        note(
            "english",
            "kiosk-home-en",
            lang=app.lang,
            button=driver.find("have_booking").ids.main.text,
            header=app.hours_text,
        )
        driver.tap("toggle_lang")
        said_before = len(app.said)
        driver.tap("toggle_elderly")
        names = [w.name for w in app.screens["home"].ids.choices.children]
        note(
            "elderly",
            "kiosk-home-elderly",
            scale=app.scale,
            actions=names,
            button_height=driver.find("take_ticket").height,
            tools_height=driver.find("toggle_elderly").height,
        )
        driver.tap("take_ticket")
        driver.tap("home")
        note("elderly_home", scale=app.scale, elderly=app.elderly)
        voice.wait_idle(60)
        tick(90)
        note(
            "elderly_reset",
            scale=app.scale,
            lang=app.lang,
            said=app.said[said_before:],
            voice_said=list(voice.said),
            voice_files=len(list(voice_dir.glob("*.wav"))),
            voice_failed=[str(error) for _item, error in voice.failed],
        )

        # 5. a card with no booking today: told so, offered a walk-in ticket
        simulator.place_card(li)
        driver.wait(lambda: app.manager.current == "message", "the no-booking answer")
        note("no_booking", "kiosk-no-booking")
        simulator.remove_card()
        driver.tap("take_ticket")
        note("walk_in_after_card")
        driver.tap("home")

        # 6. on-site booking: item, day, slot, card, confirmation with every material
        driver.tap("book")
        driver.tap("service:household")
        driver.wait(lambda: app.pending == 0, "the free places")
        note("days", "kiosk-booking-days")
        day = view().choices[0].name
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
        driver.frames(3)
        note(
            "booked",
            "kiosk-booked",
            materials=list(view().materials),
            print_text=view().print_text,
            printer_bytes=printer_log(),
        )
        simulator.remove_card()
        driver.tap("home")

        # 7. what to bring
        driver.tap("guide")
        driver.tap("service:real-estate")
        note("guide", "kiosk-guide", materials=list(view().materials))
        before = len(printer_log())
        driver.tap("print")
        driver.wait(lambda: app.pending == 0, "the printed guide")
        driver.frames(3)
        guide_job = PRINTERS[0].jobs[-1].data if len(printer_log()) > before else b""
        note(
            "guide_printed",
            jobs=len(printer_log()) - before,
            print_text=view().print_text,
            guide_text="".join(guide_texts(guide_job)),
        )
        driver.tap("home")

        # 8. Saturday: booking only, said on the home screen; no walk-in button to be refused
        clock.set(SATURDAY)
        app.refresh_header()
        tick()
        note("saturday_home", "kiosk-home-saturday", banner=view().banner)

        # 9. the printer runs out of paper: the number stays on screen, staff are alerted and
        #    reprint it (补打) with their PIN once there is paper again
        clock.set(MONDAY.replace(hour=11))
        tick()
        PRINTERS[0].set_paper_out()
        driver.tap("take_ticket")
        driver.tap("service:household")
        driver.wait(lambda: app.manager.current == "ticket", "the ticket")
        driver.wait(lambda: app.pending == 0, "the printer to give up")
        driver.frames(3)
        note(
            "paper_out",
            "kiosk-paper-out",
            status=app.status_text,
            fault=app.device_fault,
            printed=list(app.printed),
            alerts=[
                [a.terminal, a.device, a.code, list(a.tickets)] for a in device_alerts(store).alerts
            ],
        )
        PRINTERS[0].set_paper_out(False)
        driver.tap("reprint")
        for key in "2580":
            driver.tap(f"pin:{key}")
        note("reprint_pin", "kiosk-reprint-pin", entered=view().entered)
        driver.tap("pin:ok")
        driver.wait(lambda: app.pending == 0, "the reprint")
        driver.frames(3)
        note(
            "reprinted",
            printed=list(app.printed),
            alerts=len(device_alerts(store).alerts),
            status=app.status_text,
            events=event_types(store),
        )
        driver.tap("home")

        # 10. the reader is unplugged: after a grace the home screen and staff are told
        simulator.unplug()
        driver.wait(lambda: not reader.online, "the reader to go offline")
        tick(4, online=False)
        driver.wait(lambda: app.pending == 0, "the reader watch")
        note("reader_grace", alerts=len(device_alerts(store).alerts), title=view().title)
        tick(1, online=False)
        driver.wait(lambda: app.pending == 0, "the reader alert")
        note(
            "reader_down",
            "kiosk-reader-down",
            alerts=[[a.terminal, a.device, a.code] for a in device_alerts(store).alerts],
            status=app.status_text,
            fault=app.device_fault,
        )
        driver.tap("have_booking")
        note("reader_down_have_booking", "kiosk-reader-down-booking")
        driver.tap("home")

        # 11. the hall's link to the central booking store, as the sync process records it
        app.jobs.run([ReadCentral()])
        driver.wait(lambda: app.pending == 0, "the sync state read")
        note("central_never", status=app.status_text)
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
        app.jobs.run([ReadCentral()])
        driver.wait(lambda: app.pending == 0, "the sync state read")
        driver.frames(2)
        note("central_offline", "kiosk-central-offline", status=app.status_text)
        simulator.plug()
        driver.wait(lambda: reader.online, "the reader to come back")
        tick(1)
        driver.wait(lambda: app.pending == 0, "the reader recovery")
        note(
            "reader_back",
            alerts=len(device_alerts(store).alerts),
            events=event_types(store, "reader"),
            title=view().title,
            reader_online=reader.online,
        )

        # 12. this machine's clock goes back behind the store's (a ticket was issued at 11:00):
        #     before anyone taps, the home screen is out of service and the status line says
        #     why; once the clock is right again the kiosk serves by itself
        clock.set(MONDAY.replace(hour=10, minute=30))
        app.refresh_header()
        tick(STORE_CHECK_TICKS)
        driver.wait(lambda: view().kind == "home:store_fault", "the clock fault")
        driver.frames(3)
        note("clock_behind", "kiosk-clock-behind", status=app.status_text, fault=app.device_fault)
        clock.set(MONDAY.replace(hour=11, minute=1))
        app.refresh_header()
        tick(STORE_CHECK_TICKS)
        driver.wait(lambda: view().kind != "home:store_fault", "the clock put right")
        note(
            "clock_right",
            status=app.status_text,
            fault=app.device_fault,
            reader_online=reader.online,
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
