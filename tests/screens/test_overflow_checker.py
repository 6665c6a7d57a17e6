"""The overflow checker finds what it looks for: a shortened label, a text wider than its box,
a label pushed below its part of the screen, a button lower than 120 px."""

from __future__ import annotations

from tests.screens.harness import run_driver


def test_the_checker_sees_each_kind_of_fault(window_available: None) -> None:
    found = run_driver("drive_overflow.py", [])
    assert found["clean"] == []
    assert any("shortened with an ellipsis" in p for p in found["shortened"])
    assert any("px wide in a" in p for p in found["too_wide"])
    assert found["pushed_out"] and all(
        "sticks out of ScreenManager" in p or "outside the window" in p for p in found["pushed_out"]
    )
    assert any("touch target 90 px high" in p for p in found["small_button"])
