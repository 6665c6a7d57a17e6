"""`kiosk hours`, `hours --week` and `can-book` across New Year, on 2026-12-20, 2026-12-31
and 2027-01-02, without a 2027 file, with one and with a provisional draft: each prints what
it knows, marks what it does not, and never fails."""

from __future__ import annotations

import json

import pytest

from kiosk.app.cli.main import main

DAYS = ("2026-12-20", "2026-12-31", "2027-01-02")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    assert main(list(argv)) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_hours_and_week_notice(capsys: pytest.CaptureFixture[str], calendar_case: str) -> None:
    known, draft = calendar_case != "no-2027", calendar_case == "provisional-2027"
    for day in DAYS:
        out, err = run(capsys, "hours", "--hall", "xixia", "--date", day, "--week")
        assert ("kiosk calendar import" in err) == (not known and day != "2026-12-20")
        week, _ = run(capsys, "hours", "--hall", "xixia", "--date", day, "--week", "--json")
        kinds = {d["date"]: d["day"] for d in json.loads(week)["days"]}
        if day == "2026-12-20":  # the week of 14-20 December: all known
            assert "unknown" not in kinds.values() and "暂定" not in out
            continue
        # The week of 28 December - 3 January: four known days, three of 2027.
        assert kinds["2026-12-31"] == "workday"
        assert "12-31 周四 Thu  工作日\n    08:00-12:00" in out
        if known:
            assert kinds["2027-01-01"] == "holiday" and "01-01 周五 Fri  法定节假日·元旦" in out
        else:
            assert kinds["2027-01-01"] == "unknown"
            assert "01-01 周五 Fri  节假日安排未发布  办公安排待定" in out
            assert "2027年节假日安排尚未发布，相关日期的办公安排发布后另行公示。" in out
        assert ("法定节假日·元旦（暂定）" in out) == draft
        assert ("2027年节假日安排为暂定，以国务院办公厅通知为准。" in out) == draft

    out, err = run(capsys, "hours", "--hall", "pinggu-district", "--date", "2027-01-02")
    if known:
        assert "法定节假日" in out and err == ""
    else:
        assert "节假日安排未发布 (unknown)" in out
        assert "2027年节假日安排未发布，该日办公安排待定。" in out
        assert err.count("\n") == 1 and "kiosk calendar import" in err
    document = json.loads(
        run(capsys, "hours", "--hall", "xixia", "--date", "2027-01-04", "--json")[0]
    )
    assert document["day"] == ("workday" if known else "unknown")
    assert document.get("provisional", False) == draft


@pytest.mark.parametrize(
    ("now", "slot", "channel", "expected"),
    [
        # 20 December: 4 January is 15 days ahead, beyond Xixia's 14.
        ("2026-12-20T09:00", "2027-01-04T09:00", "online", "超出可预约的天数范围。"),
        ("2026-12-31T09:00", "2027-01-04T09:00", "phone", "可以预约。"),
        # 2 January 2027 is a Saturday inside 元旦: the phone line is closed.
        ("2027-01-02T09:00", "2027-01-04T09:00", "phone", "该预约方式当前不在受理时间内。"),
        ("2027-01-02T09:00", "2027-01-04T09:00", "online", "可以预约。"),
        ("2027-01-02T09:00", "2026-12-31T09:00", "online", "该时段已开始或已过去。"),
    ],
)
def test_can_book(
    capsys: pytest.CaptureFixture[str],
    calendar_case: str,
    now: str,
    slot: str,
    channel: str,
    expected: str,
) -> None:
    argv = ["can-book", "--hall", "xixia", "--slot", slot, "--now", now, "--channel", channel]
    document = json.loads(run(capsys, *argv, "--json")[0])
    if calendar_case == "no-2027" and slot.startswith("2027"):
        assert document["allowed"] is False
        assert document["reason"] == "2027年节假日安排未发布，暂不能预约该日。"
        return
    assert document["reason"].startswith(expected)
    draft = calendar_case == "provisional-2027" and slot.startswith("2027")
    assert document.get("provisional", False) == draft
    assert document["reason"].endswith("（该日节假日安排为暂定）") == draft
