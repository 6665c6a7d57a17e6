"""Report figures checked against a known day played through the real services."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image

from kiosk.reports import Spread, build_report, format_csv, format_table, summarise
from kiosk.services import call_next, complete_service, no_show, start_service, transfer
from kiosk.services.tickets import take_ticket
from kiosk.store.hallstore import HallStore

DAY = date(2026, 11, 23)  # a Monday: Pinggu district centre, extended 08:30-09:00 and 17:00-17:30


def at(hhmm: str) -> datetime:
    return datetime.combine(DAY, datetime.strptime(hhmm, "%H:%M").time())


def play_known_day(store: HallStore) -> None:
    """In the order it happened (the hall clock's guard refuses a time the store has passed)."""
    assert take_ticket(store, "business-registration", at("08:40")).issued  # A001
    assert take_ticket(store, "business-registration", at("08:45")).issued  # A002
    assert call_next(store, 1, at("08:50")).ticket.number == "A001"  # waited 10 min
    start_service(store, 1, at("08:51"))  # extended period 08:30-09:00
    assert take_ticket(store, "social-insurance", at("09:10")).issued  # B001
    complete_service(store, 1, at("09:11"))  # 20 min
    assert take_ticket(store, "real-estate", at("09:12")).issued  # C001
    assert call_next(store, 1, at("09:15")).ticket.number == "A002"  # waited 30 min
    no_show(store, 1, at("09:20"))

    assert call_next(store, 3, at("09:20")).ticket.number == "B001"  # waited 10 min
    start_service(store, 3, at("09:20"))
    complete_service(store, 3, at("09:28"))  # 8 min, regular hours

    assert call_next(store, 5, at("09:30")).ticket.number == "C001"  # waited 18 min
    transfer(store, 5, "construction-permit", at("09:32"))

    assert take_ticket(store, "social-insurance", at("17:20")).issued  # B002, extended period
    assert call_next(store, 4, at("17:35")).ticket.number == "B002"  # after closing: 15 min
    start_service(store, 4, at("17:35"))
    complete_service(store, 4, at("17:45"))  # natural extension, 10 min


def test_report_of_a_known_day(store: HallStore) -> None:
    play_known_day(store)
    report = build_report(store, DAY, DAY)
    rows = {row.service_id: row for row in report.services}

    business = rows["business-registration"]
    assert (business.issued, business.served, business.no_shows) == (2, 1, 1)
    assert business.wait == Spread(2, 20.0, 28.0)
    assert business.service_time == Spread(1, 20.0, 20.0)

    social = rows["social-insurance"]
    assert (social.issued, social.served, social.no_shows) == (2, 2, 0)
    assert social.wait == Spread(2, 12.5, 14.5)
    assert social.service_time.median == 9.0

    estate = rows["real-estate"]
    assert (estate.issued, estate.transfers_out, estate.served) == (1, 1, 0)
    assert rows["construction-permit"].transfers_in == 1
    assert rows["construction-permit"].waiting == 1

    windows = {row.window: row for row in report.windows}
    assert windows[1].served_by_period["extended"] == 1
    assert windows[1].no_shows == 1 and windows[1].called == 2
    assert windows[3].served_by_period["regular"] == 1
    assert windows[4].served_by_period["natural_extension"] == 1
    assert windows[4].minutes_by_period["natural_extension"] == 10.0
    assert windows[5].transfers == 1

    document = json.loads(json.dumps(report.as_dict()))
    assert document["from"] == "2026-11-23" and len(document["windows"]) == 7

    table = format_table(report)
    assert "延时" in table and "business-registration" in table
    parsed = list(csv.reader(io.StringIO(format_csv(report))))
    assert parsed[0][0] == "table" and any(r[:2] == ["service", "social-insurance"] for r in parsed)


def test_days_outside_the_range_are_not_counted(store: HallStore) -> None:
    play_known_day(store)
    assert all(
        row.issued == 0
        for row in build_report(store, date(2026, 11, 24), date(2026, 11, 30)).services
    )


def test_spread_quantiles() -> None:
    assert Spread.of([]) == Spread(0, None, None)
    assert Spread.of([5]) == Spread(1, 5, 5)
    assert Spread.of([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == Spread(10, 5.5, 9.1)


def test_empty_report_and_chart(store: HallStore, tmp_path: Path) -> None:
    from kiosk.report_chart import write_chart

    play_known_day(store)
    report = build_report(store, DAY, DAY)
    path = tmp_path / "chart.png"
    write_chart(report, path)
    with Image.open(path) as image:
        assert image.size == (1900, 550)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50
    empty = summarise(store.hall, store.calendar, DAY, DAY, [], [])
    assert all(row.issued == 0 and row.wait.median is None for row in empty.services)


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_report_cli(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from kiosk.app.cli.main import main

    monkeypatch.setenv("KIOSK_DATABASE_URL", f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "k" * 40)
    monkeypatch.setenv("KIOSK_DEVICE_CONFIG", str(tmp_path / "device.toml"))
    (tmp_path / "device.toml").write_text('hall = "pinggu-district"\n', encoding="utf-8")
    for hhmm in ("09:00", "09:05"):
        assert (
            main(
                [
                    "ticket",
                    "take",
                    "--service",
                    "social-insurance",
                    "--now",
                    f"2026-11-23T{hhmm}",
                    "--json",
                ]
            )
            == 0
        )
    assert main(["ticket", "call", "--window", "3", "--now", "2026-11-23T09:10", "--json"]) == 0
    capsys.readouterr()
    assert main(["report", "--date", "2026-11-23", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        rows = {r["service_id"]: r for r in json.loads(out)["services"]}
        assert rows["social-insurance"]["issued"] == 2
        assert rows["social-insurance"]["wait"]["median"] == 10.0
    else:
        assert "social-insurance" in out


def test_service_on_a_day_without_holiday_data_is_counted_apart(district) -> None:
    # A booked holder served on 4 January 2027 while the hall had no 2027 file: its period is
    # unknown, so it is neither regular nor extended service in the window's review.
    from kiosk.domain.calendar import HolidayCalendar
    from kiosk.reports import TicketRecord, window_rows

    served = TicketRecord(
        "A001",
        "business-registration",
        "booked",
        "done",
        datetime(2027, 1, 4, 8, 40),
        datetime(2027, 1, 4, 8, 45),
        datetime(2027, 1, 4, 8, 46),
        datetime(2027, 1, 4, 9, 6),
        1,
        None,
    )
    report = summarise(
        district, HolidayCalendar(), date(2027, 1, 4), date(2027, 1, 4), [served], []
    )
    window = report.windows[0]
    assert window.served_by_period["no_calendar"] == 1
    assert window.extended_served == 0 and window.served_by_period["regular"] == 0
    assert window_rows(report)[0]["no_calendar"] == 1
    assert "无节假日数据 no calendar" in format_table(report)
