"""The clock of a screen driven by the hall's event stream: a pushed batch is drawn at once.

Kivy's "free_only" clock (chosen by ``screens.env.prepare(pushed_fps=...)``) sleeps between
frames of the frame cap and, while it sleeps, runs each "free" event as soon as it is scheduled
from another thread (``Clock.schedule_once_free``: how ``screens.live`` hands a batch of the
stream to the UI). But after running it, Kivy goes back to sleep until the cap's next tick, so
at 10 frames per second a call already applied to the board waited up to 100 ms (50 on
average) before its frame was drawn: half of the display's latency budget, spent asleep.

``install`` replaces the clock's ``idle`` by the same loop that ends its sleep as soon as free
events have run: the frame that shows the batch follows at once, and an idle board still sleeps
a whole frame at a time (its cost is the cap's, not a busy loop's). The loop below is Kivy
2.3.1's ``ClockBaseFreeInterruptOnly.idle`` (Kivy is pinned to that version) with that one
change, the ``break``.
"""

from __future__ import annotations

from types import MethodType
from typing import Any


def install(clock: Any) -> None:
    """Make ``clock`` (Kivy's ``Clock``, on the "free_only" clock) draw after a free event."""
    from kivy.clock import ClockBaseFreeInterruptOnly

    if not isinstance(clock, ClockBaseFreeInterruptOnly):  # Kivy's Clock is a proxy of it
        raise RuntimeError("the pushed clock needs Kivy's 'free_only' clock (kivy_clock)")
    clock.idle = MethodType(idle_until_pushed, clock)


def idle_until_pushed(self: Any) -> float:
    """Sleep until the frame cap's next tick or until free events have run, whichever first."""
    fps = self._max_fps
    current: float = self.time()
    event = self._event
    if fps > 0:
        min_sleep = self.get_resolution()
        undershoot = 4 / 5.0 * min_sleep
        sleeptime = 1 / fps - (current - self._last_tick)
        while sleeptime - undershoot > min_sleep:
            if event.is_set():
                do_free = True
            else:
                due = self.get_min_free_timeout()  # a timed free event's time, or DBL_MAX
                if not due:
                    do_free = True
                elif self.interupt_next_only:
                    do_free = False
                else:
                    sleeptime = min(sleeptime, due - current)
                    do_free = sleeptime - undershoot <= min_sleep
            if do_free:
                event.clear()
                self._process_free_events(current)
                current = self.time()
                break  # the one change: the frame that shows what they did follows now
            event.wait(sleeptime - undershoot)
            current = self.time()
            sleeptime = 1 / fps - (current - self._last_tick)
    self._dt = current - self._last_tick
    self._last_tick = current
    event.clear()  # after _last_tick, as in Kivy
    return current
