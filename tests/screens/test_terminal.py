"""The window's rating pad in a real window: it follows the clerk's window through the event
stream, asks after 完成, takes a 差评 with reasons, leaves an unanswered question 未评价."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.screens.harness import run_driver


def test_terminal_asks_after_each_service_and_stores_one_rating(
    window_available: None, artefacts: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    doc: dict[str, Any] = run_driver("drive_terminal.py", [url, str(artefacts)], timeout=150)
    steps = {step["step"]: step for step in doc["steps"]}

    idle = steps["idle"]
    assert (idle["serving"], idle["clerk"], idle["clerk_id"]) == ("B001", "李娜", "0317")
    assert idle["scale"] > 1  # 大字 by default
    asking = steps["asking"]
    assert asking["state"] == "asking" and asking["number"] == "B001"
    assert asking["seconds_left"] > 0
    assert steps["reasons"]["state"] == "reasons"
    assert steps["thanks"]["outcome"] == "rated"
    assert doc["rating"] == {
        "level": "dissatisfied",
        "reasons": ["attitude"],
        "channel": "window_pad",
        "clerk": "0317",
        "window": 3,
    }
    assert steps["serving-next"]["serving"] == "B002"
    assert steps["unrated"]["state"] == "unrated"
    assert doc["second_rating"] is None  # 未评价: nothing stored, never a good rating
    assert steps["paused"]["paused"] is True
    assert doc["spoken"][:3] == [
        "请您对本次服务进行评价",
        "请选择不满意的原因，可以多选",
        "感谢您的评价",
    ]
    for step in doc["steps"]:
        if "stats" in step:
            assert step["stats"]["stddev"] > 10, step  # drawn, not blank
            assert (step["stats"]["width"], step["stats"]["height"]) == (1280, 800)
