"""Screen tests run each role in its own process with a real window (Xvfb or SDL off-screen).

The Kivy environment variables are set for the driver processes by ``harness.kivy_environment``
(also under a plain ``pytest``); ``window_available`` (tests/screen_fixtures.py) checks once that
a window can be opened here and skips the screen tests with the reason if it cannot.
"""

from __future__ import annotations

import pytest

from tests.screens.harness import ARTEFACTS


@pytest.fixture(scope="session")
def artefacts() -> object:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
