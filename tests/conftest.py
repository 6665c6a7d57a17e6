"""Fixtures every test directory may use: the fixture modules below, registered once here (a
directory's conftest.py defines only what is its own)."""

pytest_plugins = [
    "tests.calendar_fixtures",
    "tests.pg",
    "tests.hall_fixtures",
    "tests.central_fixtures",
    "tests.screen_fixtures",
]
