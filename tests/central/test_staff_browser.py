"""The booking desk in a real browser (Debian's headless Chromium through Playwright).

A phone booking is taken from login to the printed confirmation, then listed and cancelled;
screenshots of each page go to ``artefacts/central/`` and must not be blank.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.clock import FixedClock
from kiosk.config import load_calendar, load_halls
from sync.server.app import create_app, open_central
from sync.server.auth import Role, add_staff
from sync.server.settings import ServerSettings
from tests.central_fixtures import KEY, MONDAY_MORNING, person

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts" / "central"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip playwright not installed")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    database = tmp_path_factory.mktemp("browser") / "central.sqlite3"
    settings = ServerSettings(
        database_url=f"sqlite:///{database}",
        id_hash_key=KEY,
        halls=load_halls(),
        calendar=load_calendar(),
        clock=FixedClock(MONDAY_MORNING),
    )
    central = open_central(settings)
    with central.transaction() as session:
        add_staff(session, "desk", "desk-password-1", Role.HALL_DESK, ["xixia"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, central), host="127.0.0.1", port=port, log_level="warning"
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    while not uvicorn_server.started:
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(10)
    central.close()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def shot(page: object, name: str) -> Path:
    """Save a full-page screenshot and check it shows something (many distinct colours)."""
    from PIL import Image

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20, f"{path} looks blank"
    return path


def test_phone_booking_from_login_to_cancellation(server: str, page) -> None:
    page.goto(f"{server}/staff/")
    assert "/staff/login" in page.url
    page.fill("#username", "desk")
    page.fill("#password", "desk-password-1")
    shot(page, "01-login")
    page.click("#login")
    page.click("#book-xixia")
    page.select_option("#service", "real-estate")
    page.wait_for_selector("#materials")
    page.select_option("#day", "2026-11-28")
    page.wait_for_url("**day=2026-11-28**")
    assert "不动产登记申请书" in page.inner_text("#materials")
    page.check('input[name="slot"][value="2026-11-28T09:00:00"]')
    page.fill("#name", "张小三")
    page.fill("#id_number", person(1)[:17] + ("1" if person(1)[-1] != "1" else "2"))
    page.fill("#phone", "13812345678")
    page.click("#submit")
    assert "校验位错误" in page.inner_text("#error")
    shot(page, "02-booking-refused")
    page.check('input[name="slot"][value="2026-11-28T09:00:00"]')
    page.fill("#id_number", person(1))
    page.click("#submit")
    page.wait_for_selector("#confirmed")
    text = page.inner_text("#confirmation-text")
    assert "预约成功" in text and "完税凭证" in text and "张*三" in text
    assert person(1) not in page.content()
    page.click("#copy")
    page.wait_for_selector("#copied", state="visible")
    shot(page, "03-confirmation")
    page.emulate_media(media="print")
    shot(page, "04-confirmation-print")
    page.emulate_media(media="screen")
    page.click("text=预约列表")
    assert "张*三" in page.inner_text("#bookings")
    shot(page, "05-list")
    page.click("a.cancel")
    page.fill("#citizen-id", person(1))
    shot(page, "06-cancel")
    page.click("#citizen-submit")
    assert "已取消" in page.inner_text("#bookings")
    shot(page, "07-list-cancelled")
