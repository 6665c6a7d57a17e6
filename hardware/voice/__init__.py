"""The hall's voice: offline speech (espeak-ng or joined clips), a chime, a queue.

``make_announcer`` builds the announcer a role needs from a few settings.
"""

from __future__ import annotations

from pathlib import Path

from hardware.voice.announcer import VoiceAnnouncer
from hardware.voice.output import DevicePlayer, Output, WavFiles
from hardware.voice.speech import ClipLibrary, ClipSpeech, EspeakSpeech, Speech
from kiosk.ports.announcer import AnnouncerError

__all__ = ["ENGINES", "VoiceAnnouncer", "make_announcer"]

#: The speech engines ``make_announcer`` knows.
ENGINES = ("clips", "espeak")


def make_announcer(
    engine: str = "clips",
    wav_dir: Path | None = None,
    repeat: int = 2,
    english: bool = False,
    recorded_dir: Path | None = None,
    cache_dir: Path | None = None,
    volume: int = 100,
) -> VoiceAnnouncer:
    """Clips (the hall's recordings where present) or espeak-ng; to WAV files or the speaker.
    The engine comes from the command line or the settings, so an unknown one is refused here."""
    if engine not in ENGINES:
        raise AnnouncerError(f"unknown voice engine {engine!r}: expected {' or '.join(ENGINES)}")
    speech: Speech
    if engine == "espeak":
        speech = EspeakSpeech()
    else:
        speech = ClipSpeech(ClipLibrary(cache_dir=cache_dir, recorded_dir=recorded_dir))
    output: Output = WavFiles(wav_dir) if wav_dir is not None else DevicePlayer()
    return VoiceAnnouncer(speech, output, repeat=repeat, english=english, volume=volume)
