"""Driving a real Kivy window from a script: frames, touches, waits and screenshots.

Each role runs in its own process (Kivy allows one window per process), started by the pytest
tests with ``run_driver``; the driver reports what it saw as one JSON document on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("KIOSK_ARTEFACTS", ROOT / "artefacts" / "screens"))


def kivy_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a screen driver runs in: no argv parsing, no logs, a private home."""
    env = dict(os.environ)
    env.setdefault("KIVY_NO_ARGS", "1")
    env.setdefault("KIVY_NO_CONSOLELOG", "1")
    env.setdefault("KIVY_NO_FILELOG", "1")
    env.setdefault("SDL_AUDIODRIVER", "dummy")
    # A home of its own for every driver: Kivy rewrites config.ini at start, and two drivers
    # running at once (a console and the display) sharing one could leave it half-written for
    # the next, which then exits 1 without a word (its console log is off).
    env["KIVY_HOME"] = tempfile.mkdtemp(prefix="hall-kivy-")
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("SDL_VIDEODRIVER", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if extra:
        env.update(extra)
    return env


def run_driver(
    script: str, args: list[str], timeout: float = 240, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``tests/screens/<script>`` and return its JSON report (fails loudly otherwise)."""
    return run_process([str(Path(__file__).with_name(script)), *args], timeout, extra_env)


def run_module(module: str, args: list[str], timeout: float = 300) -> dict[str, Any]:
    """Run ``python -m module`` (a window of its own) and return its JSON report."""
    return run_process(["-m", module, *args], timeout)


def run_process(
    argv: list[str], timeout: float, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    process = subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=kivy_environment(extra_env),
        cwd=ROOT,
    )
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise AssertionError(
            f"{argv[0]} exited {process.returncode}\nstdout:\n{process.stdout[-3000:]}\n"
            f"stderr:\n{process.stderr[-6000:]}"
        )
    return json.loads(lines[-1])


# --- inside a driver process ---------------------------------------------------------------


class Driver:
    """Frames, touches and screenshots of the running app's window."""

    def __init__(self, app: Any, folder: Path) -> None:
        self.app = app
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.shots: list[str] = []
        self.taps = 0  # touches made, to count a person's taps from one screen to another

    def start(self) -> None:
        from kivy.base import EventLoop

        self.app._run_prepare()  # build + open the window, as App.run() does before its loop
        EventLoop.idle()
        self.frames(3)

    def stop(self) -> None:
        self.app.stop()

    def frames(self, count: int = 2) -> None:
        from kivy.base import EventLoop

        for _ in range(count):
            EventLoop.idle()

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        """Run frames until ``condition`` holds; a generous limit, not a timing check."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self.frames(1)
            time.sleep(0.01)
        self.frames(2)

    def find(self, name: str) -> Any:
        """The visible widget whose ``name`` property is ``name`` (buttons carry one)."""
        from kivy.core.window import Window
        from kivy.uix.screenmanager import Screen

        for top in list(Window.children):
            for widget in top.walk():
                if getattr(widget, "name", None) != name or getattr(widget, "disabled", False):
                    continue
                if isinstance(widget, Screen):  # a screen's name is not a button's
                    continue
                if widget.get_root_window() is not None and widget.opacity > 0:
                    return widget
        raise AssertionError(f"no visible widget named {name!r}")

    def tap(self, name: str) -> None:
        """A real touch at the widget's centre, through the window's input dispatch."""
        from kivy.tests.common import UnitTestTouch

        widget = self.find(name)
        x, y = widget.to_window(*widget.center)
        self.taps += 1
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def press_key(self, keycode: int) -> None:
        from kivy.core.window import Window

        Window.dispatch("on_key_down", keycode, 0, None, [])
        Window.dispatch("on_key_up", keycode, 0)
        self.frames(2)

    def screenshot(self, name: str) -> str:
        """Save the window; Kivy appends a counter to the file name, so return the real path."""
        from kivy.core.window import Window

        self.frames(3)
        for old in self.folder.glob(f"{name}[0-9][0-9][0-9][0-9].png"):
            old.unlink()
        path = Window.screenshot(name=str(self.folder / f"{name}.png"))
        self.shots.append(path)
        return path

    def shot(self, name: str) -> dict[str, Any]:
        """A step's screenshot and its image statistics, as the drivers report them."""
        path = self.screenshot(name)
        return {"shot": path, "stats": image_stats(path)}


def label_fit(widget: Any) -> dict[str, Any]:
    """Whether a label's text fits its box: laid out again by Kivy's own text engine at the
    label's font and width, with no box to clip it (a label with ``text_size`` set clips what
    does not fit instead of growing)."""
    from kivy.core.text import Label as CoreLabel

    pad_x = widget.padding[0] + widget.padding[2] if len(widget.padding) == 4 else 0
    pad_y = widget.padding[1] + widget.padding[3] if len(widget.padding) == 4 else 0
    options = {
        "text": widget.text,
        "font_size": widget.font_size,
        "font_name": widget.font_name,
        "bold": widget.bold,
        "line_height": widget.line_height,
    }
    free = CoreLabel(**options)
    free.refresh()
    wrapped = CoreLabel(**options, text_size=(widget.width - pad_x, None))
    wrapped.refresh()
    natural_w, _ = free.texture.size if free.texture else (0, 0)
    _, wrapped_h = wrapped.texture.size if wrapped.texture else (0, 0)
    wraps = widget.text_size[0] is not None
    return {
        "font": float(widget.font_size),
        "text": widget.text,
        "fits_width": wraps or natural_w <= widget.width - pad_x,
        "fits_height": (wrapped_h if wraps else free.texture.size[1]) <= widget.height - pad_y + 1,
        "lines": widget.text.count("\n") + 1 if widget.text else 0,
    }


def named_labels(app: Any) -> dict[str, dict[str, Any]]:
    """``label_fit`` of every named, visible label of the app's window."""
    from kivy.uix.label import Label

    found = {}
    for widget in app.root.walk():
        name = getattr(widget, "name", None)
        if isinstance(widget, Label) and name and widget.opacity > 0:
            found[name] = label_fit(widget)
    return found


def window_texts(app: Any) -> list[str]:
    from kivy.uix.label import Label

    return [w.text for w in app.root.walk() if isinstance(w, Label) and w.opacity > 0]


def image_stats(path: str) -> dict[str, float]:
    """Pixel statistics of a screenshot: a blank (one-colour) image has no spread."""
    from PIL import Image, ImageStat

    with Image.open(path) as image:
        grey = image.convert("L")
        stat = ImageStat.Stat(grey)
        colours = grey.getcolors(maxcolors=256 * 256) or []
        return {
            "width": float(image.width),
            "height": float(image.height),
            "stddev": float(stat.stddev[0]),
            "colours": float(len(colours)),
        }


def run_main(main: Callable[[], int]) -> None:
    """Run a driver's main; Kivy's excepthook would swallow a traceback when its console log
    is off, so print it to stderr for the test's failure message."""
    from screens.env import say_crash

    try:
        status = main()
    except BaseException:
        say_crash()
        os._exit(1)
    sys.stdout.flush()
    os._exit(status)


def report(document: dict[str, Any]) -> None:
    print(json.dumps(document, ensure_ascii=False, default=str))
    sys.stdout.flush()


def open_store(url: str, hall_id: str, terminal: str) -> Any:
    """The hall store every role of a test shares (a SQLite file in a temporary folder)."""
    from kiosk.config import load_calendar, load_hall
    from kiosk.store.hallstore import HallStore

    key = b"screen-tests-id-hash-key-0123456789abcdef"
    return HallStore.open(url, load_hall(hall_id), load_calendar(), key, terminal=terminal)
