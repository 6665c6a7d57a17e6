"""The scripted citizen paths behind docs/screens: played for real, pictures and spoken lines
written down (a few paths here; ``kiosk screenshots`` plays them all)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.screens.harness import image_stats, run_module


@pytest.fixture(scope="module")
def tour(window_available: None, tmp_path_factory: Any) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("tour")
    paths = "booked,walk-in,reader-down"
    return run_module("screens.tour", [str(out), "--only", paths]) | {"out": out}


def test_a_booked_card_takes_no_tap_and_a_walk_in_two(tour: dict[str, Any]) -> None:
    paths = tour["paths"]
    assert list(paths) == ["booked", "walk-in", "reader-down"]
    assert paths["booked"][-1]["taps"] == 0
    assert paths["walk-in"][-1]["taps"] == 2
    assert paths["booked"][-1]["said"][0] == "您的号码是 B001。"


def test_the_document_lists_each_path_with_its_pictures_and_spoken_lines(
    tour: dict[str, Any],
) -> None:
    out: Path = tour["out"]
    document = (out / "README.md").read_text(encoding="utf-8")
    assert "## Booked: the card alone" in document and "## The reader is down" in document
    assert "- 🔊 读卡器暂停使用" in document
    for shots in tour["paths"].values():
        for shot in shots:
            assert f"]({shot['file']})" in document
            stats = image_stats(str(out / shot["file"]))
            assert (stats["width"], stats["height"]) == (540, 960)
            assert stats["stddev"] > 20
