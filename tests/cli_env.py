"""Running ``kiosk`` commands in-process against a test store, as the device settings of a
kiosk would name it (the environment variables ``kiosk.settings`` reads)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.app.cli.main import main

TEST_KEY = "0123456789abcdef0123456789abcdef"


def use_store(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    *,
    key: str = TEST_KEY,
    hall: str = "pinggu-district",
) -> None:
    """The settings point at ``database_url`` and ``hall``; no device.toml is read."""
    monkeypatch.setenv("KIOSK_DATABASE_URL", database_url)
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", key)
    monkeypatch.setenv("KIOSK_HALL", hall)
    monkeypatch.delenv("KIOSK_DEVICE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def runner(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``kiosk(*argv)`` -> (exit status, stdout, stderr)."""

    def kiosk(*argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return kiosk
