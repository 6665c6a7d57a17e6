"""The booking desk in a real browser (Debian's headless Chromium through Playwright).

A phone booking is taken from login to the printed confirmation, then listed and cancelled;
a hall manager works a 差评's follow-up from 回访 to 办结. Screenshots of each page go to
``artefacts/central/`` and must not be blank.
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
from sync.protocol import TicketRatedPayload
from sync.server.app import create_app, open_central
from sync.server.auth import Role, add_staff
from sync.server.follow_ups import record_rating
from sync.server.settings import ServerSettings
from tests.central.helpers import rating
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
        add_staff(session, "manager", "manager-password-1", Role.HALL_MANAGER, ["xixia"])
        early = {"served_at": "2026-11-23T08:40:00", "rated_at": "2026-11-23T08:41:00"}
        payload = TicketRatedPayload.model_validate(rating(**early))
        record_rating(session, settings.halls["xixia"], payload, MONDAY_MORNING)
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


def test_a_manager_works_a_bad_rating_to_the_end(server: str, page) -> None:
    page.goto(f"{server}/staff/")
    if "/staff/login" not in page.url:
        page.click("header button")  # the desk of the test before logs out
    page.goto(f"{server}/staff/login")
    page.fill("#username", "manager")
    page.fill("#password", "manager-password-1")
    page.click("#login")
    page.click("#follow-ups-xixia")
    row = page.locator("tr[data-follow-up]")
    assert row.count() == 1 and "待回访" in row.inner_text()
    shot(page, "08-follow-ups")
    page.click("tr[data-follow-up] a")
    assert "不满意：服务态度" in page.inner_text("#rating")
    page.fill("#contact_name", "张小三")
    page.fill("#contact_phone", "13812345678")
    page.fill("#note", "本人称等候太久，电话 13812345678")
    shot(page, "09-follow-up-visit")
    page.click("#submit-step")
    assert "138****5678" in page.inner_text("#steps") and "张*三" in page.inner_text("#steps")
    for note in ("窗口人员已培训", "已电话告知整改情况", "已整改并反馈，群众表示认可"):
        page.fill("#note", note)
        page.click("#submit-step")
        assert note in page.inner_text("#steps")
    assert page.get_attribute("#state", "data-state") == "closed"
    assert page.locator("#step-form").count() == 0
    assert "13812345678" not in page.content() and "张小三" not in page.content()
    shot(page, "10-follow-up-closed")
    page.click("#back")
    assert "已办结" in page.inner_text("#follow-ups")
