"""The kiosk when its store fails under it, on real SQLite files made to fail: a damaged file, a
full disk (a real tmpfs), this machine's clock behind the store's. Nothing is committed and no
number used, nothing printed; the citizen reads a plain out-of-service message and staff the
fault's own line; the kiosk looks at the store on its status tick, shows a clock behind before
anyone taps, and ends the fault by itself once the store answers again."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.clock import FixedClock
from kiosk.config import load_hall
from kiosk.store import hallclock
from kiosk.store.hallstore import HallStore
from screens.flows.devices import STORE_CHECK_TICKS
from screens.flows.effects import CheckStore
from tests.faultfs import fill, small_filesystem
from tests.flows.conftest import KEY, MONDAY, Kiosk, book, printed_text
from tests.services.people import person

DAMAGED = "排队系统数据文件损坏，请联系管理员（kiosk db check）"


def _checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def _damage_all(store: HallStore) -> Callable[[], None]:
    """Every page after the file's header overwritten; returns what puts the file back."""
    path = Path(str(store.engine.url.database))
    store.engine.dispose()
    _checkpoint(path)
    intact = path.read_bytes()
    with path.open("r+b") as handle:
        handle.seek(100)
        handle.write(b"\xde\xad" * ((len(intact) - 100) // 2))

    def repair() -> None:
        store.engine.dispose()
        path.write_bytes(intact)

    return repair


def _status(kiosk: Kiosk) -> tuple[str, bool]:
    chrome = kiosk.flow.frame().chrome
    return chrome.status_text, chrome.device_fault


def _rows(store: HallStore, table: str) -> int:
    path = Path(str(store.engine.url.database))
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    connection.close()
    return int(count)


def test_a_damaged_store_stops_issuing_in_plain_words_until_it_reads_again(
    store, printer, printer_simulator
) -> None:
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.tap("take_ticket")
    repair = _damage_all(store)
    kiosk.tap("service:tax")
    view = kiosk.view
    assert view.kind == "store_fault" and view.title == "系统暂时无法办理"
    assert "工作人员会为您人工取号" in view.body and kiosk.choices() == ["desk"]
    assert view.staff_line == "工作人员：" + DAMAGED  # the fault's own line, not the driver's
    assert printer_simulator.jobs == []  # nothing printed
    assert _status(kiosk) == (f"读卡器：正常   打印机：正常   {DAMAGED}", True)
    kiosk.tap("toggle_lang")
    assert kiosk.view.staff_line == (
        "For staff: Queue system data file damaged: call the administrator (kiosk db check)"
    )
    kiosk.tap("toggle_lang")
    kiosk.tap("home")
    home = kiosk.view
    assert home.kind == "home:store_fault" and home.title == "本机暂停服务"
    assert kiosk.choices() == ["desk", "guide"]  # nothing offered that would fail
    before = len(kiosk.effects)
    kiosk.ticks(STORE_CHECK_TICKS)  # the check on the status tick meets the damage again
    assert [type(e) for e in kiosk.effects[before:]].count(CheckStore) == 1
    assert kiosk.view.kind == "home:store_fault"
    repair()
    kiosk.ticks(STORE_CHECK_TICKS)  # the store reads again: the fault ends by itself
    assert kiosk.view.kind == "home" and _status(kiosk) == (
        "读卡器：正常   打印机：正常   系统：正常",
        False,
    )
    kiosk.tap("take_ticket")
    kiosk.tap("service:tax")
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "E001"  # the failed request used no number
    assert "E001" in printed_text(printer_simulator) and len(printer_simulator.jobs) == 1


def test_a_clock_behind_the_store_is_shown_before_anyone_taps_and_ends_by_itself(
    store, printer, printer_simulator
) -> None:
    who = person("张伟", sequence=101)
    book(store, who, "social-insurance", MONDAY)  # 10:00-10:30
    with store.write() as session:  # another machine of the hall has already worked at 10:20
        hallclock.confirm(session, store.hall.id, MONDAY.replace(minute=20), "console-3")
    clock = FixedClock(MONDAY)  # this kiosk's clock went back to 10:00
    kiosk = Kiosk(store, clock, printer)
    behind = "本机时钟慢于排队系统 20 分钟，已暂停取号和叫号，请联系管理员"
    assert kiosk.taps == 0 and kiosk.view.kind == "home:store_fault"
    assert _status(kiosk) == (f"读卡器：正常   打印机：正常   {behind}", True)
    kiosk.card(who)  # a card still tries: the clock guard refuses it, nothing is issued
    view = kiosk.view
    assert view.kind == "store_fault" and view.staff_line == "工作人员：" + behind
    assert printer_simulator.jobs == [] and _rows(store, "tickets") == 0
    with store.read() as session:
        assert hallclock.state(session, store.hall.id).behind_since == MONDAY
    kiosk.tap("home")
    kiosk.send(_answer_of_a_read(kiosk))  # a read that works does not end a clock fault
    assert kiosk.view.kind == "home:store_fault"
    clock.set(MONDAY.replace(minute=21))  # NTP puts the clock right
    kiosk.ticks(STORE_CHECK_TICKS)
    assert kiosk.view.kind == "home" and not _status(kiosk)[1]
    kiosk.card(who)
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "B001" and kiosk.flow.printed == ["B001"]


def _answer_of_a_read(kiosk: Kiosk) -> Any:
    from kiosk.services.slots import BookingDays
    from screens.flows.events import DaysRead

    return DaysRead(kiosk.flow.session, "household", BookingDays([]))


@pytest.fixture
def full_disk_store(
    tmp_path: Path,
    calendar: Any,
    sqlite_template: Path,
) -> Iterator[tuple[HallStore, Path]]:
    """A hall store on a small tmpfs of its own (the disk that fills up)."""
    with small_filesystem(tmp_path / "small", 4096) as mount:
        path = mount / "hall.sqlite3"
        shutil.copyfile(sqlite_template, path)
        store = HallStore.open(
            f"sqlite:///{path}", load_hall("xixia"), calendar, KEY, terminal="kiosk-1",
            migrate=False,
        )  # fmt: skip
        try:
            yield store, mount
        finally:
            store.close()


def test_a_full_disk_refuses_the_booking_and_ends_only_once_there_is_room(
    full_disk_store: tuple[HallStore, Path], printer, printer_simulator
) -> None:
    store, mount = full_disk_store
    kiosk = Kiosk(store, FixedClock(MONDAY), printer)
    kiosk.tap("book")
    kiosk.tap("service:household")
    kiosk.tap("day:2026-11-25")
    kiosk.tap("slot:1030")
    filler = fill(mount, 0)
    kiosk.card(person("李晓红", sequence=130))
    view = kiosk.view
    assert view.kind == "store_fault" and view.body.startswith("本机暂时无法预约。")
    assert view.staff_line.startswith("工作人员：排队系统磁盘已满（剩余 ")
    assert view.staff_line.endswith("），本次操作未执行，请联系管理员")
    assert printer_simulator.jobs == [] and _rows(store, "bookings") == 0
    kiosk.tap("home")
    assert kiosk.view.kind == "home:store_fault"
    before = len(kiosk.effects)
    kiosk.ticks(STORE_CHECK_TICKS)  # reads work on a full disk: the check asks the disk too
    checks = [e for e in kiosk.effects[before:] if isinstance(e, CheckStore)]
    assert [c.writes for c in checks] == [True]
    assert kiosk.view.kind == "home:store_fault" and "磁盘已满" in _status(kiosk)[0]
    filler.unlink()  # staff free space
    kiosk.ticks(STORE_CHECK_TICKS)
    assert kiosk.view.kind == "home" and not _status(kiosk)[1]
    kiosk.tap("take_ticket")
    kiosk.tap("service:household")
    panel = kiosk.view.ticket
    assert panel is not None and panel.number == "D001"
    assert len(printer_simulator.jobs) == 1
