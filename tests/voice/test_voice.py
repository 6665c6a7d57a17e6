"""Voice files non-silent and of plausible length; calls said in order, never together."""

from __future__ import annotations

import shutil
import threading
import wave
from array import array
from pathlib import Path

import pytest

from hardware.voice.announcer import VoiceAnnouncer
from hardware.voice.audio import Audio, AudioError, chime, read_wav, resample, trim
from hardware.voice.output import DevicePlayer, WavFile, WavFiles
from hardware.voice.speech import (
    ClipLibrary,
    ClipSpeech,
    EspeakSpeech,
    call_sentence,
    clip_names,
)
from kiosk.app.cli.main import main
from kiosk.ports.announcer import Announcement, AnnouncerError

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
CALL = Announcement("A012", 3)


def _sox_seconds(path: Path) -> float | None:
    if shutil.which("soxi") is None:
        return None
    import subprocess

    return float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True).stdout)


def test_chime_is_audible_and_short() -> None:
    sound = chime()
    assert 1.0 < sound.seconds < 2.0
    assert sound.rms() > 1000 and sound.peak() < 32767


def test_read_wav_converts_any_pcm(tmp_path: Path) -> None:
    path = tmp_path / "stereo8.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(1)
        out.setframerate(44100)
        out.writeframes(bytes([128, 128, 255, 255, 0, 0] * 4410))
    audio = read_wav(path)
    assert audio.rate == 22050 and abs(audio.seconds - 0.3) < 0.01
    assert audio.rms() > 10000
    with pytest.raises(AudioError):
        read_wav(b"RIFF nonsense")


def test_trim_and_resample() -> None:
    audio = Audio(array("h", [0] * 100 + [5000] * 50 + [0] * 100), 22050)
    assert len(trim(audio).samples) == 50
    assert len(resample(audio, 11025).samples) == 125


def test_call_sentences() -> None:
    assert call_sentence(CALL, "zh") == "请 A012 号到 3 号窗口办理"
    assert call_sentence(CALL, "en") == "Number A 0 1 2, please go to window 3"
    assert clip_names(Announcement("B105", 12), "zh") == [
        "qing",
        "letter-B",
        "digit-1",
        "digit-0",
        "digit-5",
        "hao-dao",
        "shi",
        "digit-2",
        "hao-chuangkou-banli",
    ]
    assert clip_names(Announcement("A1", 30), "zh")[-3:] == [
        "digit-3",
        "shi",
        "hao-chuangkou-banli",
    ]
    with pytest.raises(ValueError):
        Announcement("A-1", 3)
    with pytest.raises(ValueError):
        Announcement("A1", 0)


@needs_espeak
def test_espeak_says_the_call(tmp_path: Path) -> None:
    audio = EspeakSpeech().say_call(CALL, "zh")
    assert 2.5 < audio.seconds < 8 and audio.rms() > 500
    path = audio.write(tmp_path / "call.wav")
    seconds = _sox_seconds(path)
    assert seconds is None or abs(seconds - audio.seconds) < 0.01


@needs_espeak
def test_clip_library_is_made_once_and_recordings_win(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded" / "zh"
    recorded.mkdir(parents=True)
    tone = chime()  # stands for a hall's recording of 请
    tone.write(recorded / "qing.wav")
    library = ClipLibrary(cache_dir=tmp_path / "cache", recorded_dir=tmp_path / "recorded")
    audio = ClipSpeech(library).say_call(CALL, "zh")
    assert 1.5 < audio.seconds < 10 and audio.rms() > 500
    made = sorted(p.name for p in (tmp_path / "cache" / "zh").iterdir())
    assert made == sorted(
        [
            "letter-A.wav",
            "digit-0.wav",
            "digit-1.wav",
            "digit-2.wav",
            "hao-dao.wav",
            "digit-3.wav",
            "hao-chuangkou-banli.wav",
        ]
    )
    assert library.path("zh", "qing") == recorded / "qing.wav"
    stamp = (tmp_path / "cache" / "zh" / "digit-0.wav").stat().st_mtime_ns
    ClipSpeech(ClipLibrary(cache_dir=tmp_path / "cache")).say_call(Announcement("A000", 3), "zh")
    assert (tmp_path / "cache" / "zh" / "digit-0.wav").stat().st_mtime_ns == stamp


class _Gate:
    """Holds the first play until released, to show that announce() does not wait for it."""

    def __init__(self, inner: WavFiles) -> None:
        self.inner = inner
        self.release = threading.Event()
        self.started = threading.Event()
        self.active = 0
        self.overlap = False

    def play(self, audio: Audio, label: str) -> None:
        self.active += 1
        self.overlap |= self.active > 1
        self.started.set()
        self.release.wait(10)
        self.inner.play(audio, label)
        self.active -= 1


@needs_espeak
def test_queue_order_recall_and_no_overlap(tmp_path: Path) -> None:
    gate = _Gate(WavFiles(tmp_path))
    announcer = VoiceAnnouncer(
        ClipSpeech(ClipLibrary(cache_dir=tmp_path / "cache")), gate, repeat=2, english=True
    )
    calls = [Announcement("A012", 3), Announcement("B001", 5), Announcement("A012", 3, recall=True)]
    for call in calls:
        announcer.announce(call)  # returns while the first is still "playing"
    assert gate.started.wait(10)
    assert announcer.spoken == []
    gate.release.set()
    assert announcer.wait_idle(30)
    announcer.close()
    assert announcer.spoken == calls and not announcer.failed and not gate.overlap
    names = [p.name for p in gate.inner.written]
    assert names == ["0001-A012-w3.wav", "0002-B001-w5.wav", "0003-A012-w3-recall.wav"]
    once = ClipSpeech(ClipLibrary(cache_dir=tmp_path / "cache")).say_call(calls[0], "zh").seconds
    for path in gate.inner.written:
        audio = read_wav(path)
        assert audio.rms() > 500
        assert 2 * once + chime().seconds < audio.seconds < 2 * once + 12
    with pytest.raises(AnnouncerError):
        announcer.announce(calls[0])


def test_repeat_count_and_no_chime(tmp_path: Path) -> None:
    class Beep:
        def say_call(self, announcement: Announcement, language: str) -> Audio:
            return chime()

    out = WavFile(tmp_path / "x.wav")
    for repeat in (1, 3):
        announcer = VoiceAnnouncer(Beep(), out, repeat=repeat, with_chime=False)
        announcer.announce(CALL)
        announcer.close()
        assert abs(read_wav(out.path).seconds - repeat * (chime().seconds + 0.5)) < 0.01
    with pytest.raises(ValueError):
        VoiceAnnouncer(Beep(), out, repeat=0)


def test_failed_output_is_reported_and_the_worker_goes_on(tmp_path: Path) -> None:
    class Beep:
        def say_call(self, announcement: Announcement, language: str) -> Audio:
            return chime()

    errors: list[tuple[Announcement, AnnouncerError]] = []
    broken = DevicePlayer(["sh", "-c", "echo 'audio open error: no card' >&2; exit 1"])
    announcer = VoiceAnnouncer(
        Beep(), broken, repeat=1, on_error=lambda a, e: errors.append((a, e))
    )
    announcer.announce(CALL)
    announcer.announce(Announcement("A013", 2))
    announcer.close()
    assert [a.number for a, _ in errors] == ["A012", "A013"]
    assert "no card" in str(errors[0][1])


@needs_espeak
def test_kiosk_say_writes_wav(tmp_path: Path) -> None:
    out = tmp_path / "say.wav"
    assert main(["say", "请 A012 号到 3 号窗口办理", "--wav", str(out)]) == 0
    audio = read_wav(out)
    assert 2.5 < audio.seconds < 8 and audio.rms() > 500
    call = tmp_path / "call.wav"
    assert (
        main(
            [
                "say",
                "--call",
                "A012",
                "--window",
                "3",
                "--engine",
                "espeak",
                "--repeat",
                "1",
                "--wav",
                str(call),
            ]
        )
        == 0
    )
    assert read_wav(call).seconds > audio.seconds
    assert main(["say", "--wav", str(out)]) == 2
