"""Does what is drawn fit? Cut-off text and small buttons, found in the real widget tree.

An older person cannot guess the end of "…余 3 个" or find a question pushed below the screen's
edge. ``problems`` walks the window's visible widgets after a frame and reports every label
that is shortened with an ellipsis, whose text (its texture) is wider or taller than its box,
or whose box sticks out of its part of the screen (the header, the tools, the screen between
them, the footer), and every button lower or narrower than ``theme.MIN_TOUCH``. Kivy part:
call it on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screens import theme

REGIONS = ("HallHeader", "KioskTools", "KioskFooter")
SLACK = 1.5  # px: sub-pixel rounding of layouts


@dataclass(frozen=True)
class Problem:
    where: str  # the widget: its class and, for a label, its text
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _visible(widget: Any) -> bool:
    node = widget
    while node is not None and not _is_window(node):
        if getattr(node, "opacity", 1) <= 0 or node.width <= 0 or node.height <= 0:
            return False
        node = node.parent
    return True


def _is_window(node: Any) -> bool:
    return type(node).__name__.startswith("WindowSDL") or not hasattr(node, "to_window")


def _rect(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def _region(widget: Any) -> Any:
    from kivy.uix.screenmanager import ScreenManager

    node = widget.parent
    while node is not None and not _is_window(node):
        if isinstance(node, ScreenManager) or type(node).__name__ in REGIONS:
            return node
        node = node.parent
    return None


def _name(widget: Any) -> str:
    text = getattr(widget, "text", "")
    label = f" {text[:40]!r}" if isinstance(text, str) and text else ""
    name = getattr(widget, "name", "")
    named = f" [{name}]" if isinstance(name, str) and name else ""
    return f"{type(widget).__name__}{named}{label}"


def problems(root: Any, window_size: tuple[int, int]) -> list[Problem]:
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    found: list[Problem] = []
    width, height = window_size
    for widget in root.walk(restrict=True):
        if not _visible(widget):
            continue
        x0, y0, x1, y1 = _rect(widget)
        is_label = isinstance(widget, Label) and bool(widget.text.strip())
        is_button = isinstance(widget, ButtonBehavior) and not widget.disabled
        if not (is_label or is_button):
            continue
        if x0 < -SLACK or y0 < -SLACK or x1 > width + SLACK or y1 > height + SLACK:
            found.append(Problem(_name(widget), f"outside the window at {_box(widget)}"))
            continue
        region = _region(widget)
        if region is not None:
            rx0, ry0, rx1, ry1 = _rect(region)
            if x0 < rx0 - SLACK or y0 < ry0 - SLACK or x1 > rx1 + SLACK or y1 > ry1 + SLACK:
                found.append(
                    Problem(
                        _name(widget),
                        f"sticks out of {type(region).__name__} "
                        f"({_box(widget)} not within {_box(region)})",
                    )
                )
        if is_label:
            found += _label(widget)
        if is_button and (widget.height < theme.MIN_TOUCH - SLACK):
            found.append(Problem(_name(widget), f"touch target {widget.height:.0f} px high"))
        if is_button and widget.width < theme.MIN_TOUCH - SLACK:
            found.append(Problem(_name(widget), f"touch target {widget.width:.0f} px wide"))
    return found


def _label(label: Any) -> list[Problem]:
    found = []
    if label.shorten:
        found.append(Problem(_name(label), "shortened with an ellipsis"))
    texture_w, texture_h = label.texture_size
    if texture_w > label.width + SLACK:
        found.append(
            Problem(_name(label), f"text {texture_w:.0f} px wide in a {label.width:.0f} px box")
        )
    if texture_h > label.height + SLACK:
        found.append(
            Problem(_name(label), f"text {texture_h:.0f} px tall in a {label.height:.0f} px box")
        )
    return found


def _box(widget: Any) -> str:
    x0, y0, x1, y1 = _rect(widget)
    return f"x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f}"
