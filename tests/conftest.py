"""Fixtures every test directory may use."""

pytest_plugins = ["tests.calendar_fixtures"]
