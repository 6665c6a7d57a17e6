"""The kiosk's own voice (elderly mode reads titles aloud) is off unless a machine turns it on."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.settings import SettingsError, load_settings
from tests.store.test_settings import clean_env, write  # noqa: F401  (the same clean setup)


def test_off_by_default_and_chosen_per_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, 'id_hash_key = "' + "k" * 32 + '"\n', monkeypatch)
    assert load_settings().kiosk_voice == "none"
    write(tmp_path, 'kiosk_voice = "espeak"\n', monkeypatch)
    assert load_settings().kiosk_voice == "espeak"


def test_unknown_voice_names_the_file_and_the_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'kiosk_voice = "loud"\n', monkeypatch)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(path) in str(error.value)
    assert "kiosk_voice: 'loud'; expected one of none, espeak, clips" in str(error.value)
