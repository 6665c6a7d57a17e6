"""The phone page behind the QR code in a real browser (Debian's Chromium through Playwright):
live by Server-Sent Events, calls the holder back when two or fewer are ahead, survives a
dropped connection without losing or repeating an event, and takes one rating after service.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_hall
from kiosk.services import call_next, complete_service, start_service, take_ticket
from kiosk.services.feed import read_events
from kiosk.services.phone import phone_progress
from kiosk.services.ratings import rating_for
from kiosk.store.hallstore import HallStore
from screens.queue_page import create_queue_page
from screens.slips import queue_link

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts" / "phone"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
MONDAY = datetime(2026, 11, 23, 10, 0)
KEY = b"phone-page-tests-key-0123456789abcdef"

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip playwright not installed")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium not installed (apt-get install chromium)", allow_module_level=True)


class PageServer:
    """``kiosk queue-page serve`` in a thread; stopped and started again on the same port."""

    def __init__(self, store: HallStore, clock: FixedClock) -> None:
        self.store, self.clock = store, clock
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        app = create_queue_page(self.store, self.clock)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the page server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        assert self.thread is not None
        self.thread.join(30)
        assert not self.thread.is_alive(), "the page server did not stop"


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[tuple[HallStore, FixedClock]]:
    store = HallStore.open(
        f"sqlite:///{tmp_path / 'hall.sqlite3'}", load_hall("xixia"), load_calendar(), KEY
    )
    yield store, FixedClock(MONDAY)
    store.close()


def wait_for(page: Any, script: str, what: str) -> None:
    try:
        page.wait_for_function(script, timeout=20_000)
    except Exception as error:  # name what did not happen
        raise AssertionError(f"the page never showed {what}: {error}") from None


def test_live_page_follows_the_queue_across_a_dropped_connection_and_takes_a_rating(
    hall: tuple[HallStore, FixedClock],
) -> None:
    store, clock = hall
    tickets = [take_ticket(store, "social-insurance", MONDAY).ticket for _ in range(5)]
    mine = tickets[-1]
    assert mine is not None and mine.link_token
    server = PageServer(store, clock)
    server.start()
    link = queue_link(f"http://127.0.0.1:{server.port}", mine)
    assert link.endswith(f"/q/{mine.link_token}") and mine.number not in link
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    first_seq = read_events(store, 0)[-1].seq

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(
            viewport={"width": 420, "height": 900}, locale="zh-CN"
        ).new_page()
        page.goto(link)
        assert page.inner_text("#number") == mine.number
        assert "前面还有 4 人" in page.inner_text("#ahead")
        assert not page.is_visible("#near")
        wait_for(page, "window.streamOpen >= 1", "the live stream open")

        call_next(store, 3, MONDAY)
        call_next(store, 4, MONDAY)
        wait_for(page, "document.getElementById('near').className === 'near on'", "快到您了")
        assert "快到您了，请回到等候区" in page.inner_text("#near")
        assert "前面还有 2 人" in page.inner_text("#ahead")
        assert page.evaluate("window.nearAlerts") == 1
        page.screenshot(path=str(ARTEFACTS / "phone-near.png"))

        server.stop()  # the connection drops; the hall goes on meanwhile
        wait_for(page, "document.getElementById('link').className === 'link off'", "the drop")
        seen_before = page.evaluate("window.hallEvents.length")
        call_next(store, 3, MONDAY.replace(minute=5))
        call_next(store, 4, MONDAY.replace(minute=5))
        server.start()
        wait_for(page, "window.streamOpen >= 2", "the stream open again")
        wait_for(page, f"window.hallEvents.length > {seen_before}", "the missed events")
        call_next(store, 3, MONDAY.replace(minute=6))
        wait_for(page, "window.pageState.status === 'called'", "its call")
        assert "3 号窗口" in page.inner_text("#state")
        page.screenshot(path=str(ARTEFACTS / "phone-called.png"))

        start_service(store, 3, MONDAY.replace(minute=7))
        complete_service(store, 3, MONDAY.replace(minute=12))
        wait_for(page, "document.getElementById('rate').className === 'on'", "the rating")
        page.click("button[data-level=dissatisfied]")
        page.check("input[value=attitude]")
        page.fill("#comment", "等了很久 410303198001011234")
        page.screenshot(path=str(ARTEFACTS / "phone-rating.png"))
        page.click("#send")
        wait_for(page, "window.pageState.rating !== null", "the thanks")
        assert "感谢您" in page.inner_text("#rated")  # 感谢您的评价, or 您已评价：…，感谢您！
        wait_for(
            page,
            "window.hallEvents.length && "
            "window.hallEvents[window.hallEvents.length - 1].type === 'ticket_rated'",
            "its own rating in the stream",
        )
        received = [entry["seq"] for entry in page.evaluate("window.hallEvents")]
        page.goto(link)
        assert not page.is_visible("#rate") and "您已评价：不满意" in page.inner_text("#rated")
        browser.close()
    server.stop()

    rating = rating_for(store, mine.id)
    assert rating is not None and rating.channel.value == "phone"
    assert rating.reasons == ("attitude",)
    assert rating.comment == "等了很久 410303********1234"  # no ID number kept
    # Every event that concerns the ticket, once, in order, across the drop.
    progress = phone_progress(store, mine.id, clock.now())
    expected = [e.seq for e in read_events(store, first_seq, 1000) if progress.concerns(e)]
    assert received == expected
    assert len(received) == len(set(received)) >= 8
