"""Show the overflow checker one clean layout and four broken ones (test_overflow_checker.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens import env

env.prepare((600, 800))


def main() -> int:
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.screenmanager import Screen, ScreenManager

    from screens.gallery import settle
    from screens.overflow import problems
    from tests.screens.harness import report

    EventLoop.ensure_window()
    found: dict[str, list[str]] = {}

    def check(name: str, *widgets: object) -> None:
        manager = ScreenManager(size_hint=(None, None), size=(600, 500), pos=(0, 300))
        screen = Screen(name="s")
        box = BoxLayout(orientation="vertical")
        for widget in widgets:
            box.add_widget(widget)  # type: ignore[arg-type]
        screen.add_widget(box)
        manager.add_widget(screen)
        Window.add_widget(manager)
        settle(manager)
        found[name] = [str(p) for p in problems(manager, tuple(Window.size))]
        Window.remove_widget(manager)

    long = "一段很长很长的说明文字" * 6
    check("clean", Label(text="ok", size_hint_y=None, height=60),
          Button(text="go", size_hint_y=None, height=140))  # fmt: skip
    check("shortened", Label(text=long, shorten=True, text_size=(300, None)))
    check("too_wide", Label(text=long, size_hint=(None, None), size=(200, 50)))
    check("pushed_out", *[Label(text=f"{i}", size_hint_y=None, height=200) for i in range(6)])
    check("small_button", Button(text="tiny", size_hint_y=None, height=90))
    report(found)
    return 0


if __name__ == "__main__":
    from tests.screens.harness import run_main

    run_main(main)
