"""The hall display when the store's file is damaged under it: it keeps running and shows a
staff-facing fault line in its status corner instead of the calls going stale in silence.

usage: drive_display_fault.py STORE_URL ARTEFACT_DIR. Prints one JSON report.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens import env

env.prepare((1920, 1080))

from kiosk.clock import FixedClock  # noqa: E402
from tests.faultfs import damage  # noqa: E402
from tests.screens.harness import (  # noqa: E402
    Driver,
    image_stats,
    open_store,
    report,
    run_main,
)


def main() -> int:
    store_url, folder = sys.argv[1], Path(sys.argv[2])
    store = open_store(store_url, "xixia", "display-1")
    from screens.display_app import DisplayApp

    app = DisplayApp(store, FixedClock(datetime(2026, 11, 23, 10, 0)))
    driver = Driver(app, folder)
    document: dict[str, object] = {}
    driver.start()
    try:
        driver.wait(lambda: app.waiting_lines != [], "the first read")
        document["before"] = {"online": app.online, "fault": app.store_fault}
        damage(Path(store.engine.url.database), ("tickets",))
        store.engine.dispose()  # the next connection reads the damaged file from the disk
        app._poll_queues(0)  # the waiting counts' timer (15 s), now rather than later
        driver.wait(lambda: app.store_fault != "", "the fault line")
        shot = driver.screenshot("display-store-damaged")
        document["after"] = {
            "online": app.online,
            "fault": app.store_fault,
            "stats": image_stats(shot),
        }
    finally:
        driver.stop()
        store.close()
    report(document)
    return 0


if __name__ == "__main__":
    run_main(main)
