"""Drive a window console with its keyboard shortcuts and touches. Prints one JSON report.

usage: drive_staff.py STORE_URL ARTEFACT_DIR WINDOW SCRIPT [HALL]
SCRIPT is "work" (call, start, done, call, recall, transfer, pause, resume), "restart"
(start, look, leave: what a console shows after a crash), "marks" (a Saturday: call the
booked, the priority and the materials-only tickets the test put in the queue) or "faults" (a
clock behind the store's, then the store's file damaged: the clerk reads one line, never a
traceback).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens import env

env.prepare((1280, 800))

from kiosk.clock import FixedClock  # noqa: E402
from tests.faultfs import damage  # noqa: E402
from tests.screens.harness import (  # noqa: E402
    Driver,
    open_store,
    report,
    run_main,
)

MONDAY = datetime(2026, 11, 23, 10, 0)
SATURDAY = datetime(2026, 11, 21, 10, 20)
F1, F2, F3, F5, F6, F7 = 282, 283, 284, 286, 287, 288


def main() -> int:
    store_url, folder, window, script = (
        sys.argv[1],
        Path(sys.argv[2]),
        int(sys.argv[3]),
        sys.argv[4],
    )
    hall_id = sys.argv[5] if len(sys.argv) > 5 else "xixia"
    store = open_store(store_url, hall_id, f"console-{window}")
    clock = FixedClock(SATURDAY if script == "marks" else MONDAY)
    from screens.staff_app import StaffApp

    app = StaffApp(store, clock, window)
    driver = Driver(app, folder)
    steps: list[dict[str, object]] = []

    def settle() -> None:
        driver.wait(lambda: app.pending == 0, "the console's store work")
        app.refresh()
        driver.wait(lambda: app.pending == 0, "the console refresh")

    def note(step: str, shot: str | None = None) -> None:
        entry: dict[str, object] = {
            "step": step,
            "current": app.current_number,
            "status": app.current_status,
            "name": app.current_name,
            "state": app.window_state,
            "feedback": app.feedback,
            "fault": app.feedback_fault,
            "waiting": list(app.waiting_lines),
            "counts": app.counts_text,
            "alerts": list(app.alert_lines),
            "marks": app.current_marks,
            "detail": app.current_detail,
            "materials": list(app.current_materials),
        }
        if shot:
            entry.update(driver.shot(shot))
        steps.append(entry)

    driver.start()
    try:
        settle()
        note("start", f"console-{script}-start")
        if script == "marks":
            driver.press_key(F1)
            settle()
            note("booked")
            driver.press_key(F3)
            driver.press_key(F1)
            settle()
            note("priority", "console-marks")
            driver.tap("toggle_lang")
            settle()
            note("priority_en")
        if script == "work":
            clock.set(MONDAY.replace(minute=5))
            driver.press_key(F1)
            settle()
            note("called", "console-called")
            driver.press_key(F6)
            settle()
            note("started")
            driver.press_key(F3)
            settle()
            note("done")
            driver.press_key(F3)  # nothing to finish now: a refusal in words
            settle()
            note("done_again")
            clock.set(MONDAY.replace(minute=10))
            driver.tap("call")  # the mouse works too
            settle()
            note("called_by_touch")
            driver.press_key(F2)
            settle()
            note("recalled")
            driver.press_key(F7)
            driver.frames(3)
            driver.screenshot("console-transfer")
            driver.tap("transfer:tax")
            settle()
            note("transferred", "console-transferred")
            driver.press_key(F1)
            settle()
            note("called_last")
            # the kiosk's printer runs out of paper (what drive_kiosk.py shows the kiosk record)
            from kiosk.services.devices import record_device_fault, record_device_ok

            record_device_fault(
                store, "kiosk-1", "printer", "paper_out", "打印机缺纸", "A009", clock.now()
            )
            settle()
            note("printer_alert", "console-printer-alert")
            record_device_ok(store, "kiosk-1", "printer", clock.now())
            settle()
            note("printer_back")
            driver.press_key(F5)
            settle()
            note("paused", "console-paused")
            driver.press_key(F1)
            settle()
            note("call_while_paused")
            driver.tap("toggle_lang")
            driver.press_key(F1)
            settle()
            note("call_while_paused_en")
            driver.tap("toggle_lang")
            driver.press_key(F5)
            settle()
            note("resumed")
        if script == "faults":
            faults(store, clock, driver, settle, note)
    finally:
        driver.stop()
        store.close()
    report({"steps": steps, "shots": driver.shots})
    return 0


def faults(store: Any, clock: FixedClock, driver: Driver, settle: Any, note: Any) -> None:
    from kiosk.store import hallclock

    with store.write() as session:  # another machine ran ahead: the store has seen 10:30
        hallclock.confirm(session, store.hall.id, MONDAY.replace(minute=30), "kiosk-9")
    clock.set(MONDAY.replace(minute=5))
    driver.press_key(F1)
    settle()
    note("clock_behind", "console-clock-behind")
    clock.set(MONDAY.replace(minute=31))  # the clock is right again
    driver.press_key(F1)
    settle()
    note("clock_right")
    damage(Path(store.engine.url.database), ("tickets",))
    store.engine.dispose()  # the next connection reads the damaged file from the disk
    settle()
    note("damaged", "console-store-damaged")


if __name__ == "__main__":
    run_main(main)
