"""`kiosk calendar import` and `kiosk calendar show` as the hall's IT staff use them."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app.cli.main import main
from kiosk.calendar_files import clear_cache, load_calendar, load_year_file
from kiosk.domain.calendar import package_year
from tests.calendar_fixtures import write_2027

NOTICES = Path(__file__).with_name("notices")


def kiosk(*argv: str, stdin: str = "", env: dict[str, str] | None = None):
    """The command in its own process and session (no controlling terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.app.cli.main", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        start_new_session=True,
        env=env,
    )


def test_import_from_a_file_asks_then_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "calendar"
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["calendar", "import", str(NOTICES / "2026.txt"), "--dir", str(target)]) == 1
    out = capsys.readouterr()
    assert "not written" in out.err and not target.exists()
    assert "春节" in out.out and "02-15 周日 — 02-23 周一" in out.out and "02-14 周六" in out.out
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    assert main(["calendar", "import", str(NOTICES / "2026.txt"), "--dir", str(target)]) == 0
    out = capsys.readouterr()
    assert f"created: {target / '2026.toml'}" in out.out
    assert "write" in out.err  # the question
    assert load_year_file(target / "2026.toml").festivals == package_year(2026).festivals


def test_import_from_stdin_into_the_hall_directory(
    hall_calendar_dir: Path,
) -> None:
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    asked = kiosk("calendar", "import", stdin=text)
    assert asked.returncode == 2 and "no terminal to confirm on" in asked.stderr
    assert not (hall_calendar_dir / "2025.toml").exists()
    done = kiosk("calendar", "import", "--yes", "--json", stdin=text)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["outcome"] == "created" and document["year"] == 2025
    assert document["file"] == str(hall_calendar_dir / "2025.toml")
    assert document["festivals"][5]["name"] == "国庆节、中秋节"
    again = kiosk("calendar", "import", "--yes", "--json", stdin=text)
    assert json.loads(again.stdout)["outcome"] == "unchanged"
    assert load_calendar().year(2025).from_file


def test_import_refuses_bad_texts_in_one_line(tmp_path: Path) -> None:
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    cases = [
        (text.replace("1月1日（周四）", "1月1日（周五）"), "line 6", "notice says 周五"),
        (
            "\n".join(line for line in text.splitlines() if "端午节：" not in line),
            "",
            "missing 端午节",
        ),
        ("下周一开会。", "", "cannot tell the year"),
    ]
    for notice, where, message in cases:
        result = kiosk("calendar", "import", "--dir", str(tmp_path), "--yes", stdin=notice)
        assert result.returncode == 2 and result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert where in result.stderr and message in result.stderr
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    wrong_year = kiosk("calendar", "import", "--year", "2027", "--dry-run", stdin=text)
    assert wrong_year.returncode == 2 and "notice for 2026, not 2027" in wrong_year.stderr
    needs = kiosk("calendar", "import", "--json", stdin=text)
    assert needs.returncode == 2 and "--json needs --yes" in needs.stderr


def test_a_gb18030_file_reads_and_a_different_official_file_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    notice = tmp_path / "2026-gbk.txt"
    notice.write_bytes((NOTICES / "2026.txt").read_text(encoding="utf-8").encode("gb18030"))
    target = tmp_path / "calendar"
    assert main(["calendar", "import", str(notice), "--dir", str(target), "--dry-run"]) == 0
    assert "国务院办公厅关于2026年部分节假日安排的通知" in capsys.readouterr().out
    assert not target.exists()
    target.mkdir()
    (target / "2026.toml").write_text(_year_2026_without_one_makeup(), encoding="utf-8")
    assert main(["calendar", "import", str(notice), "--dir", str(target), "--yes"]) == 2
    assert "pass --replace" in capsys.readouterr().err
    assert (
        main(["calendar", "import", str(notice), "--dir", str(target), "--yes", "--replace"]) == 0
    )
    assert "replaced:" in capsys.readouterr().out


def _year_2026_without_one_makeup() -> str:
    from kiosk.calendar_files import year_file_text

    year = package_year(2026)
    assert year is not None
    text = year_file_text(year)
    return text.replace(
        'makeup_workdays = ["2026-02-14", "2026-02-28"]', 'makeup_workdays = ["2026-02-14"]'
    )


def test_show_says_where_each_year_comes_from(
    hall_calendar_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["calendar", "show", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "chinese-calendar 1.11" in out and "(package)" in out
    assert re.search(r"国庆节\s+10-01 周四 — 10-07 周三\s+7\s+09-20 周日、10-10 周六", out)

    assert main(["calendar", "show", "--year", "2027"]) == 1
    err = capsys.readouterr().err
    assert "2027: 节假日安排未发布" in err and "kiosk calendar import" in err

    write_2027(hall_calendar_dir, provisional=True)
    clear_cache()  # a new process would read it; this one loaded the directory already
    assert main(["calendar", "show", "--year", "2027", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "file" and document["provisional"] is True
    assert document["origin"] == str(hall_calendar_dir.resolve() / "2027.toml")
    assert document["festivals"][0] == {
        "name": "元旦",
        "dates": ["2027-01-01", "2027-01-02", "2027-01-03"],
        "makeup_workdays": [],
    }
