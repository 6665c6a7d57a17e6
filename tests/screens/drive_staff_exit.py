"""Drive the hidden staff exit in a real window: five corner taps open the PIN pad, a wrong PIN
is refused, the right one stops the app with the staff exit status. Prints one JSON report.

usage: drive_staff_exit.py STORE_URL ARTEFACT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens import env

env.prepare((1280, 800))

from datetime import datetime  # noqa: E402

from kiosk.clock import FixedClock  # noqa: E402
from screens.kioskmode import StaffExit  # noqa: E402
from tests.screens.harness import Driver, image_stats, open_store, report, run_main  # noqa: E402


def main() -> int:
    store_url, folder = sys.argv[1], Path(sys.argv[2])
    from screens.staff_app import StaffApp

    store = open_store(store_url, "xixia", "console-1")
    app = StaffApp(store, FixedClock(datetime(2026, 11, 23, 10, 0)), 1)
    driver = Driver(app, folder)
    driver.start()
    ticks = iter(range(1_000_000))
    # taps 0.1 s apart whatever the machine's load; the pad stays open for the whole test
    exit_ = StaffExit(app, "2580", app.t, monotonic=lambda: next(ticks) / 10, pad_timeout=3600)
    exit_.attach()
    steps: list[dict[str, object]] = []
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    def tap_at(x: float, y: float) -> None:
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        driver.frames(1)
        touch.touch_up()
        driver.frames(1)

    corner = (30, Window.height - 30)
    for _ in range(4):
        tap_at(*corner)
    steps.append({"step": "four taps", "pad": exit_.pad is not None})
    tap_at(Window.width / 2, Window.height / 2)  # a citizen's touch elsewhere starts again
    for _ in range(4):
        tap_at(*corner)
    steps.append({"step": "interrupted", "pad": exit_.pad is not None})
    tap_at(*corner)
    steps.append({"step": "five taps", "pad": exit_.pad is not None})
    for key in "1111":
        driver.tap(f"pin-{key}")
    steps.append({"step": "typed", "entered": exit_.pad.entered})
    shot = driver.screenshot("staff-exit-pad")
    driver.tap("pin-ok")
    steps.append(
        {
            "step": "wrong",
            "message": exit_.pad.message,
            "status": app.exit_status,
            "shot": shot,
            "stats": image_stats(shot),
        }
    )
    for key in "2580":
        driver.tap(f"pin-{key}")
    driver.tap("pin-ok")
    steps.append({"step": "right", "status": app.exit_status, "pad": exit_.pad is not None})
    report({"steps": steps})
    return 0


if __name__ == "__main__":
    run_main(main)
