"""Drive a window's rating pad (评价器) in a real window while the window's clerk works.

usage: drive_terminal.py STORE_URL ARTEFACT_DIR
The clerk's actions are the real services on the same store; the pad hears them through the
hall's event stream. The pad's clock is offset to time out a question without waiting.
Prints one JSON report.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens import env

env.prepare((1280, 800))

from kiosk.clock import FixedClock  # noqa: E402
from tests.screens.harness import Driver, report, run_main  # noqa: E402

MONDAY = datetime(2026, 11, 23, 10, 0)


def main() -> int:
    from kiosk.config import load_calendar, load_hall
    from kiosk.services import call_next, complete_service, pause_window, start_service, take_ticket
    from kiosk.services.ratings import rating_for
    from kiosk.services.staff import sign_in
    from kiosk.store.hallstore import HallStore
    from screens.terminal_app import TerminalApp
    from tests.terminal.clerks import PIN, with_clerks

    url, folder = sys.argv[1], Path(sys.argv[2])
    hall = with_clerks(load_hall("xixia"))
    key = b"screen-tests-id-hash-key-0123456789abcdef"
    store = HallStore.open(url, hall, load_calendar(), key, terminal="console-3")
    for minute in range(2):
        take_ticket(store, "social-insurance", MONDAY - timedelta(minutes=10 - minute))
    sign_in(store, 3, "0317", PIN, MONDAY)
    first = call_next(store, 3, MONDAY).ticket
    assert first is not None
    start_service(store, 3, MONDAY)

    offset = [0.0]
    app = TerminalApp(store, FixedClock(MONDAY), 3, monotonic=lambda: time.monotonic() + offset[0])
    driver = Driver(app, folder)
    doc: dict[str, object] = {"steps": []}
    steps: list[dict[str, object]] = doc["steps"]  # type: ignore[assignment]

    def note(step: str, shot: str | None = None) -> None:
        entry: dict[str, object] = {
            "step": step,
            "state": app.pad_state,
            "serving": app.serving,
            "clerk": app.clerk_name,
            "clerk_id": app.clerk_id,
            "paused": app.paused,
            "number": app.rating_number,
            "seconds_left": app.seconds_left,
            "outcome": app.outcome,
            "scale": app.scale,
        }
        if shot:
            entry.update(driver.shot(shot))
        steps.append(entry)

    driver.start()
    try:
        driver.wait(lambda: app.live.feed is not None and app.serving == "B001", "the first read")
        note("idle", "terminal-idle")
        complete_service(store, 3, MONDAY.replace(minute=8))
        driver.wait(lambda: app.pad_state == "asking", "the rating question")
        note("asking", "terminal-asking")
        driver.tap("level:dissatisfied")
        driver.wait(lambda: app.pad_state == "reasons", "the reasons page")
        driver.tap("reason:attitude")
        driver.tap("reason:efficiency")
        driver.tap("reason:efficiency")
        note("reasons", "terminal-reasons")
        driver.tap("submit_reasons")
        driver.wait(lambda: app.pad_state == "thanks", "the thanks")
        note("thanks", "terminal-thanks")
        rating = rating_for(store, first.id)
        doc["rating"] = (
            None
            if rating is None
            else {
                "level": rating.level.value,
                "reasons": list(rating.reasons),
                "channel": rating.channel.value,
                "clerk": rating.clerk,
                "window": rating.window,
            }
        )
        offset[0] += 10
        driver.wait(lambda: app.pad_state == "idle", "back to the window")
        second = call_next(store, 3, MONDAY.replace(minute=9)).ticket
        assert second is not None
        driver.wait(lambda: app.serving == second.number, "the next number")
        note("serving-next")
        start_service(store, 3, MONDAY.replace(minute=9))
        complete_service(store, 3, MONDAY.replace(minute=15))
        driver.wait(lambda: app.pad_state == "asking", "the second question")
        offset[0] += hall.rating.pad_seconds + 1
        driver.wait(lambda: app.pad_state == "unrated", "未评价 after the timeout")
        note("unrated", "terminal-unrated")
        doc["second_rating"] = rating_for(store, second.id)
        offset[0] += 10
        driver.wait(lambda: app.pad_state == "idle", "back to the window again")
        pause_window(store, 3, MONDAY.replace(minute=16))
        driver.wait(lambda: app.paused, "暂停服务")
        note("paused", "terminal-paused")
        doc["spoken"] = list(app.spoken)
    finally:
        driver.stop()
        store.close()
    report(doc)
    return 0


if __name__ == "__main__":
    run_main(main)
