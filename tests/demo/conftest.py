"""The headless demo needs a window (SDL off-screen or Xvfb): the screen tests' probe decides."""

from tests.screens.conftest import window_available  # noqa: F401  (the shared fixture)
