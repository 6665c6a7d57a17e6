"""The headless demo's script: a booked person taps the card, a ticket prints, a window calls
it, the hall display shows it; then every screen is photographed.

Everything goes through the interfaces a person or a clerk uses: the card is laid on the
simulated reader through its control socket (as the drawer does), the ticket is the printer
simulator's PNG, the call is ``kiosk ticket call`` on the shared store, and what the display
shows is read from the display process itself (its snapshot on SIGUSR1).
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.app.demo.plan import Role
from kiosk.app.demo.supervisor import Child, Supervisor

if TYPE_CHECKING:
    from kiosk.app.demo.hall import DemoRun

STEP_SECONDS = 45.0


class ScenarioFailed(RuntimeError):
    """A step of the scripted run did not happen; the message says which."""


def snapshot(
    supervisor: Supervisor, child: Child, folder: Path, timeout: float = 15.0
) -> dict[str, Any]:
    """Ask a screen for its screenshot and state; the document it wrote."""
    state = folder / f"{child.name}.json"
    state.unlink(missing_ok=True)
    supervisor.signal(child, signal.SIGUSR1)
    supervisor.wait_until(state.exists, f"{child.name}'s snapshot", timeout)
    document: dict[str, Any] = json.loads(state.read_text(encoding="utf-8"))
    return document


def run_scenario(
    supervisor: Supervisor,
    run: DemoRun,
    screens: dict[str, Child],
    devices: dict[str, Path],
    stop: Any,
) -> dict[str, Any]:
    from hardware.idcard.cardfile import DEMO_CARDS_DIR
    from hardware.idcard.simulator import send_control
    from kiosk.app.demo.hall import _kiosk, _raise_if

    demo, plan = run.demo, run.plan
    part = plan.part(Role.ON_TIME)
    if (
        part is None
        or part.booking is None
        or part.timing is None
        or part.timing.value != "on_time"
    ):
        raise ScenarioFailed(
            f"at {run.start:%Y-%m-%d %H:%M} no slot of {run.hall.id} is open for check-in; "
            "run the headless demo with --at during opening hours"
        )
    report: dict[str, Any] = {"card": part.card, "service": part.booking.service}
    started = time.monotonic()

    def waited(condition: Any, what: str) -> None:
        def check() -> bool:
            _raise_if(stop)
            return bool(condition())

        supervisor.wait_until(check, what, STEP_SECONDS)

    before = set(demo.tickets.glob("job-*.png"))
    answer = send_control(
        demo.reader_link, {"op": "place", "card": str(DEMO_CARDS_DIR / f"{part.card}.json")}
    )
    if not answer.get("ok"):
        raise ScenarioFailed(f"the reader simulator refused the card: {answer.get('error')}")
    new_tickets: list[Path] = []

    def printed() -> bool:
        new_tickets[:] = sorted(set(demo.tickets.glob("job-*.png")) - before)
        return bool(new_tickets)

    waited(printed, "the check-in ticket")
    report["ticket_png"] = str(new_tickets[0])
    report["tap_to_ticket_s"] = round(time.monotonic() - started, 2)
    send_control(demo.reader_link, {"op": "remove"})
    report["kiosk_after_tap"] = snapshot(supervisor, screens["kiosk"], demo.screenshots)

    window = run.consoles[0]
    command = _kiosk("ticket", "call", "--window", str(window), "--json")
    if run.fixed_clock:
        command += ["--now", _minute_after(run)]
    env = {**supervisor.env, "KIOSK_DEVICE_CONFIG": str(devices["staff-a"])}
    called = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    if called.returncode != 0:
        raise ScenarioFailed(f"kiosk ticket call failed ({called.returncode}): {called.stderr}")
    ticket = json.loads(called.stdout)
    number = _number(ticket)
    report["called"] = {"window": window, "number": number}
    report["queue_page"] = _queue_page(run, new_tickets[0], number)

    shown: dict[str, Any] = {}

    def display_shows() -> bool:
        shown.update(snapshot(supervisor, screens["display"], demo.screenshots))
        state = shown.get("state", {})
        return bool(state.get("newest_number") == number and state.get("newest_window") == window)

    waited(display_shows, f"the display showing {number} at window {window}")
    report["display"] = {k: shown["state"].get(k) for k in ("newest_number", "newest_window")}
    report["tap_to_display_s"] = round(time.monotonic() - started, 2)
    console: dict[str, Any] = {}

    def console_shows() -> bool:  # the console follows the hall's events: at once
        console.update(snapshot(supervisor, screens["staff-a"], demo.screenshots))
        return bool(console.get("state", {}).get("current_number") == number)

    waited(console_shows, f"the console of window {window} showing {number}")
    report["screenshots"] = {}
    for name, child in screens.items():
        document = snapshot(supervisor, child, demo.screenshots)
        report["screenshots"][name] = document["screenshot"]
        if name == "staff-a":
            report["console"] = {
                k: document["state"].get(k) for k in ("current_number", "current_service")
            }
    report["pad"] = _pad_asks(supervisor, run, screens, env, window, number, waited)
    return report


def _queue_page(run: DemoRun, ticket_png: Path, number: str) -> dict[str, Any]:
    """What a phone that scans the ticket's QR code gets: the link is read from the job the
    printer received (the printer simulator keeps its bytes beside the preview, and the QR code
    is the printer's own, so its content is in them): ``<queue page>/q/<token>``."""
    import requests

    from hardware.printer.decode import parse, qr_codes

    codes = qr_codes(parse(ticket_png.with_suffix(".bin").read_bytes()))
    if not codes:
        raise ScenarioFailed(f"the printed ticket {ticket_png.name} carries no QR code")
    link = codes[0].content
    if not link.startswith(f"{run.queue_page_url}/q/"):
        raise ScenarioFailed(f"the ticket's QR code is not the queue page's link: {link}")
    answer = requests.get(link, timeout=10)
    return {"link": link, "status": answer.status_code, "shows_number": number in answer.text}


def _pad_asks(
    supervisor: Supervisor,
    run: DemoRun,
    screens: dict[str, Child],
    env: dict[str, str],
    window: int,
    number: str,
    waited: Any,
) -> dict[str, Any]:
    """The clerk finishes the service; the window's rating pad asks the citizen to rate it."""
    from kiosk.app.demo.hall import _kiosk

    for action in ("start", "done"):
        command = _kiosk("ticket", action, "--window", str(window), "--json")
        if run.fixed_clock:
            command += ["--now", _minute_after(run)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise ScenarioFailed(f"kiosk ticket {action} failed ({done.returncode}): {done.stderr}")
    pad: dict[str, Any] = {}

    def asks() -> bool:
        pad.update(snapshot(supervisor, screens["terminal-a"], run.demo.screenshots))
        state = pad.get("state", {})
        return bool(state.get("pad_state") == "asking" and state.get("rating_number") == number)

    waited(asks, f"the rating pad of window {window} asking about {number}")
    return {
        "pad_state": pad["state"]["pad_state"],
        "rating_number": pad["state"]["rating_number"],
        "screenshot": pad["screenshot"],
    }


def _minute_after(run: DemoRun) -> str:
    """The hall time now, rounded up to the minute: a call is never dated before the ticket."""
    elapsed = time.monotonic() - run.started_monotonic
    moment = run.start + timedelta(minutes=math.ceil(elapsed / 60))
    return f"{moment:%Y-%m-%dT%H:%M}"


def _number(ticket: Any) -> str:
    """The called number from ``kiosk ticket call --json``."""
    if isinstance(ticket, dict):
        for key in ("number", "ticket"):
            value = ticket.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("number"), str):
                return str(value["number"])
    raise ScenarioFailed(f"kiosk ticket call printed no ticket number: {ticket!r}")
