"""Whether a Kivy window can be opened here: the screen tests and the headless demo ask it once
(registered in tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.screens.harness import ROOT, kivy_environment

PROBE = """
from screens import env
env.prepare((320, 240))
from kivy.base import EventLoop
EventLoop.ensure_window()
from kivy.core.window import Window
print("window", Window.size)
"""


@pytest.fixture(scope="session")
def window_available() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        env=kivy_environment(),
        cwd=ROOT,
    )
    if probe.returncode != 0 or "window" not in probe.stdout:
        pytest.skip(
            "no Kivy window can be opened here (no X display and SDL's off-screen driver failed): "
            + probe.stderr.strip()[-400:]
        )
