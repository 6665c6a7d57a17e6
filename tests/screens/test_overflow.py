"""Every kiosk screen fits, in both sizes and both languages: no text shortened, cut off or
pushed out of its part of the screen, no button under 120 px (``screens.gallery`` draws them
all in one real window; ``screens.overflow`` looks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from screens.gallery import MODES, SCENES
from tests.screens.harness import run_module


@pytest.fixture(scope="module")
def gallery(window_available: None, artefacts: Path) -> dict[str, Any]:
    return run_module("screens.gallery", [str(artefacts / "gallery")], timeout=600)


def test_every_screen_in_every_mode_was_drawn(gallery: dict[str, Any]) -> None:
    assert gallery["renders"] == len(SCENES) * len(MODES) >= 200
    screens = {view["screen"] for view in gallery["views"].values()}
    assert screens == {"home", "place_card", "working", "ticket", "message", "choice",
                       "materials", "pin"}  # fmt: skip


def test_nothing_is_cut_off_and_every_button_is_big_enough(gallery: dict[str, Any]) -> None:
    problems = gallery["problems"]
    assert problems == {}, "\n".join(
        f"{scene}: {problem}" for scene, found in problems.items() for problem in found
    )


def test_each_refusal_and_answer_says_its_reason_aloud(gallery: dict[str, Any]) -> None:
    for key, view in gallery["views"].items():
        if view["screen"] == "message":
            assert len(view["spoken"]) >= 2, key  # the title and the reason, at least
