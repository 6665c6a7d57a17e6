"""The kiosk's voice guidance: its loudness, newer guidance replacing what is not yet said, and
sentences said from the hall's recordings where it has them (espeak-ng for the rest)."""

from __future__ import annotations

import shutil
import time
from array import array
from pathlib import Path

import pytest

from hardware.voice import make_announcer
from hardware.voice.announcer import VoiceAnnouncer
from hardware.voice.audio import Audio, read_wav
from hardware.voice.speech import ClipLibrary, ClipSpeech, EspeakSpeech, Piece, plan_sentence
from kiosk.ports.announcer import AnnouncerError
from tests.voice.test_say import _Slow, _Tones

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
DIGITS = {f"digit-{d}" for d in range(10)} | {"shi"}


def test_an_unknown_voice_engine_is_refused_not_replaced_by_clips(tmp_path: Path) -> None:
    with pytest.raises(AnnouncerError, match="unknown voice engine 'festival': expected clips or"):
        make_announcer("festival", wav_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_volume_scales_the_sound_and_clips_at_16_bits() -> None:
    audio = Audio(array("h", [1000, -20000, 30000]))
    assert list(audio.scaled(0.5).samples) == [500, -10000, 15000]
    assert list(audio.scaled(2.0).samples) == [2000, -32767, 32767]
    with pytest.raises(ValueError, match="volume"):
        VoiceAnnouncer(_Tones(), _Slow(Path(".")), volume=120)


@needs_espeak
def test_the_kiosk_voice_is_as_loud_as_its_setting(tmp_path: Path) -> None:
    loud = make_announcer("espeak", wav_dir=tmp_path / "loud", repeat=1, volume=100)
    soft = make_announcer("espeak", wav_dir=tmp_path / "soft", repeat=1, volume=25)
    for voice in (loud, soft):
        voice.say("您的号码是 A012。")
        assert voice.wait_idle(30)
        voice.close()
    ratio = (
        read_wav(next((tmp_path / "soft").glob("*.wav"))).rms()
        / read_wav(next((tmp_path / "loud").glob("*.wav"))).rms()
    )
    assert 0.2 < ratio < 0.3


def test_newer_guidance_replaces_sentences_not_yet_said_but_never_a_call(tmp_path: Path) -> None:
    from kiosk.ports.announcer import Announcement

    speech, out = _Tones(), _Slow(tmp_path)
    voice = VoiceAnnouncer(speech, out, repeat=1, with_chime=False)
    voice.say("请选择要办理的事项")  # being said while the next ones queue
    deadline = time.monotonic() + 20
    while out.active == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    voice.say("不动产登记")
    voice.announce(Announcement("A012", 3))
    voice.say("社保医保")
    assert voice.drop_pending() == 2
    voice.say("您的号码是 B001。")
    out.release.set()
    assert voice.wait_idle(20)
    assert voice.said == ["请选择要办理的事项", "您的号码是 B001。"]
    assert [a.number for a in voice.spoken] == ["A012"] and not out.overlap


def test_a_sentence_is_planned_from_recorded_phrases_and_digits() -> None:
    phrases = {"您的号码是": "your-number", "前面还有": "ahead"}
    recorded = DIGITS | {"letter-B"}
    assert plan_sentence("您的号码是 B012。", phrases, recorded) == [
        Piece(clip="your-number"),
        Piece(clip="letter-B"),
        Piece(clip="digit-0"),
        Piece(clip="digit-1"),
        Piece(clip="digit-2"),
    ]
    assert plan_sentence("前面还有 12 人。", phrases, recorded) == [
        Piece(clip="ahead"),
        Piece(clip="shi"),
        Piece(clip="digit-2"),
        Piece(text="人。"),
    ]
    # a service's name is nobody's recording; a sentence with no recording at all is whole
    assert plan_sentence("办理事项：社保医保。", phrases, recorded) == [
        Piece(text="办理事项：社保医保。")
    ]
    # a ticket number whose letter was not recorded is left to espeak-ng with its sentence
    assert plan_sentence("您的号码是 C7", {}, recorded) == [Piece(text="您的号码是 C7")]


@needs_espeak
def test_recorded_phrases_are_used_where_the_hall_has_them(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded" / "zh"
    recorded.mkdir(parents=True)
    espeak = EspeakSpeech()
    espeak.speak("您的号码是").write(recorded / "your-number.wav")  # stands in for a recording
    for digit in "0123456789":
        espeak.speak("零一二三四五六七八九"[int(digit)]).write(recorded / f"digit-{digit}.wav")
    espeak.speak("B").write(recorded / "letter-B.wav")
    (recorded / "phrases.toml").write_text(
        'your-number = "您的号码是"\nnot-recorded = "请稍候"\n', encoding="utf-8"
    )
    library = ClipLibrary(cache_dir=tmp_path / "cache", recorded_dir=tmp_path / "recorded")
    speech = ClipSpeech(library)
    assert library.phrases("zh") == {"您的号码是": "your-number"}  # a phrase needs its file
    assert [p.clip for p in speech.plan("您的号码是 B001。", "zh")] == [
        "your-number", "letter-B", "digit-0", "digit-0", "digit-1"
    ]  # fmt: skip
    audio = speech.say_text("您的号码是 B001。", "zh")
    assert 1.0 < audio.seconds < 8.0 and audio.rms() > 100
    (recorded / "phrases.toml").write_text("your-number = [", encoding="utf-8")
    with pytest.raises(AnnouncerError, match=r"phrases\.toml"):
        library.phrases("zh")
