"""``say``: a plain sentence on the same queue as the calls, in order, never overlapping."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from hardware.voice import make_announcer
from hardware.voice.announcer import Sentence, VoiceAnnouncer
from hardware.voice.audio import Audio, read_wav, silence
from hardware.voice.output import WavFiles
from kiosk.ports.announcer import Announcement, Announcer, AnnouncerError

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


class _Tones:
    """Speech that answers with sounds of known length: a call 1 s, a sentence 2 s."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def say_call(self, announcement: Announcement, language: str) -> Audio:
        return silence(1.0)

    def say_text(self, text: str, language: str) -> Audio:
        self.texts.append((text, language))
        return silence(2.0)


class _Slow(WavFiles):
    """Counts plays running at once while holding the first one until released."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.release = threading.Event()
        self.active = 0
        self.overlap = False

    def play(self, audio: Audio, label: str) -> None:
        self.active += 1
        self.overlap |= self.active > 1
        self.release.wait(10)
        super().play(audio, label)
        self.active -= 1


def test_sentences_and_calls_share_one_queue(tmp_path: Path) -> None:
    speech = _Tones()
    out = _Slow(tmp_path)
    announcer = VoiceAnnouncer(speech, out, repeat=1, with_chime=False)
    announcer.say("请选择要办理的事项")
    announcer.announce(Announcement("A012", 3))
    announcer.say("Please choose a service")
    assert announcer.said == []  # say() returned before anything was played
    out.release.set()
    assert announcer.wait_idle(20)
    announcer.close()
    assert not out.overlap and not announcer.failed
    assert [p.name for p in out.written] == [
        "0001-say-zh.wav",
        "0002-A012-w3.wav",
        "0003-say-en.wav",
    ]
    assert speech.texts == [("请选择要办理的事项", "zh"), ("Please choose a service", "en")]
    assert announcer.said == ["请选择要办理的事项", "Please choose a service"]
    assert abs(read_wav(out.written[0]).seconds - 2.3) < 0.01  # the sentence, then a breath
    with pytest.raises(AnnouncerError):
        announcer.say("还在吗")


def test_empty_sentence_is_refused(tmp_path: Path) -> None:
    announcer = VoiceAnnouncer(_Tones(), WavFiles(tmp_path), repeat=1)
    with pytest.raises(ValueError):
        announcer.say("   ")
    announcer.close()
    assert Sentence("办事指南").language == "zh" and Sentence("Home").language == "en"


def test_a_failed_sentence_does_not_stop_the_calls(tmp_path: Path) -> None:
    class Mute(_Tones):
        def say_text(self, text: str, language: str) -> Audio:
            raise AnnouncerError("no voice for that")

    out = WavFiles(tmp_path)
    announcer = VoiceAnnouncer(Mute(), out, repeat=1, with_chime=False)
    announcer.say("您的号码")
    announcer.announce(Announcement("B001", 2))
    announcer.close()
    assert [p.name for p in out.written] == ["0001-B001-w2.wav"]
    assert [type(item).__name__ for item, _error in announcer.failed] == ["Sentence"]


@needs_espeak
@pytest.mark.parametrize("engine", ["espeak", "clips"])
def test_both_engines_say_a_title(tmp_path: Path, engine: str) -> None:
    announcer = make_announcer(
        engine,  # type: ignore[arg-type]
        wav_dir=tmp_path / "out",
        repeat=1,
        cache_dir=tmp_path / "cache",
    )
    assert isinstance(announcer, Announcer)
    announcer.say("请选择要办理的事项")
    announcer.close()
    (path,) = sorted((tmp_path / "out").glob("*.wav"))
    audio = read_wav(path)
    assert 1.0 < audio.seconds < 8 and audio.rms() > 500
