"""The pushed display's clock: a batch handed over from another thread ends the frame's sleep.

Run in a child process (Kivy's clock module reads its configuration once, at import, and
Kivy's logger takes over the process's stderr), without a window: the clock alone.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.screens.harness import ROOT, kivy_environment

CHILD = """
import json, threading, time
from kivy.clock import ClockBaseFreeInterruptOnly
from screens import pushed_clock

clock = ClockBaseFreeInterruptOnly()
clock._max_fps = 1 / 60  # one frame a minute: a sleep that is not ended takes 60 s
{install}
ran = []
normal = []
clock.schedule_once(lambda dt: normal.append(dt))  # an ordinary event: it waits for the tick
threading.Timer(0.2, lambda: clock.schedule_once_free(lambda dt: ran.append(normal[:]))).start()
start = time.monotonic()
clock.tick()
print(json.dumps({{"seconds": time.monotonic() - start, "free": ran, "normal": len(normal)}}))
"""


def run_child(code: str) -> str:
    """What ``code`` printed, run in a Kivy child process."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=kivy_environment(),
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_free_event_from_another_thread_ends_the_frame_wait() -> None:
    printed = run_child(CHILD.format(install="pushed_clock.install(clock)"))
    result = json.loads(printed.strip().splitlines()[-1])
    # The free event ran while the clock slept, before the frame's ordinary events...
    assert result["free"] == [[]]
    # ...and the tick then went on at once: the ordinary event ran in the same tick, long
    # before the minute the frame cap asks for (60 s; 30 s leaves room for a loaded machine).
    assert result["normal"] == 1
    assert result["seconds"] < 30


def test_only_kivys_free_only_clock_can_be_pushed() -> None:
    printed = run_child(
        "from kivy.clock import ClockBase\n"
        "from screens import pushed_clock\n"
        "try:\n"
        "    pushed_clock.install(ClockBase())\n"
        "except RuntimeError as error:\n"
        "    print(error)\n"
    )
    assert "the pushed clock needs Kivy's 'free_only' clock" in printed
