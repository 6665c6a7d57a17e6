"""The device-settings tests start from a machine with no settings of its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No settings from the environment; config and data directories under ``tmp_path``."""
    for name in ("KIOSK_DEVICE_CONFIG", "KIOSK_DATABASE_URL", "KIOSK_ID_HASH_KEY", "KIOSK_HALL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
