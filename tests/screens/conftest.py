"""Screen tests run each role in its own process with a real window (Xvfb or SDL off-screen).

The Kivy environment variables are set for the driver processes by ``harness.kivy_environment``
(also under a plain ``pytest``); this module only checks once that a window can be opened here
and skips the screen tests with the reason if it cannot.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.screens.harness import ARTEFACTS, ROOT, kivy_environment

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


@pytest.fixture(scope="session")
def artefacts() -> object:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
