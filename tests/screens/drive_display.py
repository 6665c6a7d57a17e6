"""Run the hall display until it has seen the expected calls from another process.

usage: drive_display.py STORE_URL ARTEFACT_DIR READY_FILE EXPECTED_NEW_CALLS
Writes READY_FILE once the display has read the day's earlier calls, then waits for
EXPECTED_NEW_CALLS new calls (announced through the voice to WAV files). Prints one JSON report.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens import env

env.prepare((1920, 1080))

from kiosk.clock import FixedClock  # noqa: E402
from tests.screens.harness import (  # noqa: E402
    Driver,
    image_stats,
    named_labels,
    open_store,
    report,
    run_main,
    window_texts,
)

MONDAY = datetime(2026, 11, 23, 10, 0)


def main() -> int:
    store_url, folder, ready, expected = (
        sys.argv[1],
        Path(sys.argv[2]),
        Path(sys.argv[3]),
        int(sys.argv[4]),
    )
    store = open_store(store_url, "xixia", "display-1")
    voice_dir = folder / "voice"
    from hardware.voice import make_announcer

    announcer = make_announcer(engine="espeak", wav_dir=voice_dir, repeat=1)
    from screens.display_app import DisplayApp

    app = DisplayApp(store, FixedClock(MONDAY), announcer=announcer)
    driver = Driver(app, folder)
    report_doc: dict[str, object] = {}
    driver.start()
    try:
        driver.wait(lambda: app.last_seq is not None and app.waiting_lines != [], "the first read")
        report_doc["restored"] = {
            "newest": app.newest_number,
            "window": app.newest_window,
            "history": [list(h) for h in app.history],
            "announced": len(app.announced),
            "texts": window_texts(app),
        }
        shot = driver.screenshot(f"display-start-{expected}")
        report_doc["start_stats"] = image_stats(shot)
        report_doc["start_shot"] = shot
        ready.write_text("ready")
        seen_at: list[float] = []
        target = expected

        def enough() -> bool:
            if len(app.announced) > len(seen_at):
                seen_at.extend([time.monotonic()] * (len(app.announced) - len(seen_at)))
            return len(app.announced) >= target

        driver.wait(enough, f"{expected} new calls", timeout=60)
        driver.wait(lambda: app.pending == 0, "the display's reads")
        announcer.wait_idle(20)
        shot = driver.screenshot(f"display-calls-{expected}")
        report_doc.update(
            newest=app.newest_number,
            window=app.newest_window,
            recall=app.newest_recall,
            history=[list(h) for h in app.history],
            announced=[[a.number, a.window, a.recall] for a in app.announced],
            waiting=[list(w) for w in app.waiting_lines],
            periods=list(app.period_lines),
            online=app.online,
            voice_files=sorted(p.name for p in voice_dir.glob("*.wav")),
            stats=image_stats(shot),
            shot=shot,
            labels=named_labels(app),
            texts=window_texts(app),
            hours=app.hours_board,
            notices=list(app.notices),
        )
    finally:
        driver.stop()
        store.close()
    report(report_doc)
    return 0


if __name__ == "__main__":
    run_main(main)
