"""The kiosk's voice guidance is on by default; each machine sets its loudness, may point at the
hall's recorded clips, or turns it off."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.settings import SettingsError, load_settings
from tests.store.test_settings import write

pytestmark = pytest.mark.usefixtures("clean_env")  # the same clean setup


def test_on_by_default_and_chosen_per_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, 'id_hash_key = "' + "k" * 32 + '"\n', monkeypatch)
    settings = load_settings()
    assert (settings.kiosk_voice, settings.kiosk_volume, settings.voice_clips) == (
        "clips",
        80,
        None,
    )
    write(tmp_path, 'kiosk_voice = "none"\n', monkeypatch)
    assert load_settings().kiosk_voice == "none"
    clips = tmp_path / "voice"
    clips.mkdir()
    write(
        tmp_path,
        f'kiosk_voice = "espeak"\nkiosk_volume = 35\nvoice_clips = "{clips}"\n',
        monkeypatch,
    )
    settings = load_settings()
    assert (settings.kiosk_voice, settings.kiosk_volume, settings.voice_clips) == (
        "espeak",
        35,
        clips,
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('kiosk_voice = "loud"', "kiosk_voice: 'loud'; expected one of none, espeak, clips"),
        ("kiosk_volume = 120", "kiosk_volume: expected a whole number from 0 to 100"),
        ('kiosk_volume = "80"', "kiosk_volume: expected a whole number from 0 to 100"),
        ('voice_clips = "/nowhere/voice"', "voice_clips: /nowhere/voice is not a folder"),
    ],
)
def test_bad_voice_settings_name_the_file_and_the_key(
    line: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, line + "\n", monkeypatch)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(path) in str(error.value)
    assert message in str(error.value)
