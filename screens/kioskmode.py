"""Kiosk mode: full screen, no cursor, and a hidden way out for staff.

A kiosk in a public hall must not be closable by a citizen, yet a technician needs to leave it
without a keyboard. Five quick taps in the top-left corner open a PIN pad; the device's staff
PIN (``staff_pin`` in the device settings) stops the role with ``STAFF_EXIT_STATUS``, which the
systemd units exempt from their automatic restart (``RestartPreventExitStatus``). Three wrong
PINs lock the pad for a minute. Without a configured PIN the gesture does nothing.
"""

from __future__ import annotations

import hmac
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

from kiosk.errors import ExitCode

STAFF_EXIT_STATUS = int(ExitCode.STAFF_EXIT)  # the exit-code table's "staff left kiosk mode"
CORNER = 120  # px from the top-left corner
TAPS = 5
WITHIN = 4.0  # seconds for all taps
ATTEMPTS = 3
LOCKOUT = 60.0  # seconds
PAD_TIMEOUT = 20.0  # seconds before an untouched pad closes itself

PinAnswer = Literal["ok", "wrong", "locked"]


class ExitGesture:
    """Counts quick taps in the top-left corner; any tap elsewhere starts again."""

    def __init__(self, taps: int = TAPS, within: float = WITHIN, corner: float = CORNER) -> None:
        self.taps = taps
        self.within = within
        self.corner = corner
        self._times: deque[float] = deque()

    def touch(self, x: float, y: float, height: float, now: float) -> bool:
        """One touch at (x, y) (Kivy's origin is bottom-left); True when the gesture is done."""
        if x > self.corner or y < height - self.corner:
            self._times.clear()
            return False
        self._times.append(now)
        while self._times and now - self._times[0] > self.within:
            self._times.popleft()
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False


class PinGuard:
    """Checks the staff PIN, locking out after repeated wrong tries."""

    def __init__(self, pin: str, attempts: int = ATTEMPTS, lockout: float = LOCKOUT) -> None:
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
            raise ValueError("the staff PIN must be 4 to 8 digits")
        self._pin = pin.encode()
        self.attempts = attempts
        self.lockout = lockout
        self._wrong = 0
        self._locked_until = 0.0

    def locked_for(self, now: float) -> float:
        return max(0.0, self._locked_until - now)

    def check(self, entered: str, now: float) -> PinAnswer:
        if self.locked_for(now) > 0:
            return "locked"
        if hmac.compare_digest(entered.encode(), self._pin):
            self._wrong = 0
            return "ok"
        self._wrong += 1
        if self._wrong >= self.attempts:
            self._wrong = 0
            self._locked_until = now + self.lockout
            return "locked"
        return "wrong"


class StaffExit:
    """Watches the window for the gesture and runs the PIN pad (Kivy part)."""

    def __init__(
        self,
        app: Any,
        pin: str,
        translate: Callable[[str], str],
        monotonic: Callable[[], float] = time.monotonic,
        pad_timeout: float = PAD_TIMEOUT,
    ) -> None:
        """``monotonic`` and ``pad_timeout`` are injected by tests: a loaded test machine must
        not turn five quick taps into slow ones, nor close the pad under the test's fingers."""
        self.app = app
        self.pad_timeout = pad_timeout
        self.guard = PinGuard(pin)
        self.gesture = ExitGesture()
        self.translate = translate
        self.monotonic = monotonic
        self.pad: Any = None

    def attach(self) -> None:
        from kivy.core.window import Window

        Window.bind(on_touch_down=self._on_touch)

    def detach(self) -> None:
        from kivy.core.window import Window

        Window.unbind(on_touch_down=self._on_touch)

    def _on_touch(self, window: Any, touch: Any) -> bool:
        if self.pad is not None:
            return False
        if self.gesture.touch(touch.x, touch.y, window.height, self.monotonic()):
            self.open_pad()
            return True
        return False

    def open_pad(self) -> None:
        from screens.base import load_kv
        from screens.staff_exit_pad import StaffExitPad

        load_kv("widgets", "staff_exit")
        self.pad = StaffExitPad(exit=self)
        self.pad.bind(on_dismiss=self._closed)
        self.pad.open()
        self._schedule_timeout()

    def _schedule_timeout(self) -> None:
        from kivy.clock import Clock

        Clock.unschedule(self._time_out)
        Clock.schedule_once(self._time_out, self.pad_timeout)

    def _time_out(self, _dt: float) -> None:
        if self.pad is not None:
            self.pad.dismiss()

    def _closed(self, *_args: Any) -> None:
        from kivy.clock import Clock

        Clock.unschedule(self._time_out)
        self.pad = None

    # -- called from the pad's kv rules --------------------------------------------------------
    def press(self, key: str) -> None:
        pad = self.pad
        if pad is None:
            return
        self._schedule_timeout()
        if key == "clear":
            pad.entered = ""
            pad.message = ""
        elif key == "ok":
            self.submit()
        elif len(pad.entered) < 8:
            pad.entered += key

    def submit(self) -> None:
        pad = self.pad
        answer = self.guard.check(pad.entered, self.monotonic())
        pad.entered = ""
        if answer == "ok":
            pad.dismiss()
            self.app.exit_status = STAFF_EXIT_STATUS
            self.app.stop()
        elif answer == "locked":
            seconds = round(self.guard.locked_for(self.monotonic()))
            pad.message = self.translate("错误次数过多，请 {seconds} 秒后再试").format(
                seconds=seconds
            )
        else:
            pad.message = self.translate("密码错误")


def hide_cursor() -> None:
    from kivy.core.window import Window

    Window.show_cursor = False
