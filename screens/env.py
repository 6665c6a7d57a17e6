"""Kivy's process-wide settings, applied before Kivy is first imported.

Kivy reads its environment and ``Config`` once, at import: the window size, full screen, the
video driver and the argv handling must all be settled before ``kivy.core.window`` loads. Every
role and every screen test goes through ``prepare``.
"""

from __future__ import annotations

import os
import sys


def prepare(
    size: tuple[int, int],
    *,
    fullscreen: bool = False,
    title: str = "hall-kiosk",
    exit_on_escape: bool = False,
    pushed_fps: int | None = None,
) -> None:
    """Settle Kivy's environment and window configuration; call before importing Kivy UI.

    ``pushed_fps``: a screen driven by the hall's event stream (the display) redraws at most
    this often, and its clock is Kivy's "free_only" clock, so a batch handed over from the
    stream's thread (``Clock.schedule_once_free``) wakes the loop at once and is drawn at once
    (``screens.pushed_clock``) instead of waiting for the next frame: an idle board costs less
    CPU and a call is not delayed by the frame rate. It draws without multisampling: the board
    is upright rectangles and text that is anti-aliased when rendered, and 4x MSAA doubled the
    time to fill a 1920x1080 frame in software GL (llvmpipe) to 60-90 ms.
    """
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our own argparse owns the command line
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # No display server: SDL renders off-screen through EGL (a real GL context).
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    if "kivy.core.window" in sys.modules:
        raise RuntimeError("screens.env.prepare() must run before Kivy's window is created")
    from kivy.config import Config

    width, height = size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    Config.set("kivy", "exit_on_escape", "1" if exit_on_escape else "0")
    Config.set("kivy", "window_icon", "")
    # A touch screen is not a multitouch trackpad: a right click must not leave red dots.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "log_level", os.environ.get("KIOSK_KIVY_LOG_LEVEL", "warning"))
    if pushed_fps is not None:
        Config.set("kivy", "kivy_clock", "free_only")
        Config.set("graphics", "maxfps", str(pushed_fps))
        Config.set("graphics", "multisamples", "0")
    os.environ["KIOSK_WINDOW_TITLE"] = title
    if pushed_fps is not None:
        from kivy.clock import Clock

        from screens import pushed_clock

        pushed_clock.install(Clock)


def parse_size(text: str) -> tuple[int, int]:
    """``1080x1920`` → (1080, 1920); a clear error for anything else."""
    try:
        width_text, height_text = text.lower().split("x")
        width, height = int(width_text), int(height_text)
    except ValueError:
        raise ValueError(f"not a window size WIDTHxHEIGHT: {text!r}") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise ValueError(f"window size out of range (200-8000 px each way): {text!r}")
    return width, height


def say_crash() -> None:
    """Write the exception being handled, and Kivy's first log lines, to the real stderr.

    Kivy (KIVY_LOG_MODE=KIVY) sends ``sys.stderr`` to its own log, which may have no console:
    a screen program's crash would otherwise leave nothing for whoever ran it."""
    import traceback

    real = sys.__stderr__ or sys.stderr
    traceback.print_exc(file=real)
    kivy_log = sys.modules.get("kivy.logger")
    for record in kivy_log.LoggerHistory.history[:20] if kivy_log else ():
        print(f"kivy: {record.getMessage()}", file=real)
    real.flush()
