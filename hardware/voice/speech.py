"""Two offline ways to say a call: espeak-ng, and joined clips as real halls do.

``EspeakSpeech`` speaks the whole sentence with espeak-ng (Mandarin through the
``cmn-latn-pinyin`` voice: the plain ``cmn`` voice mispronounces it).

``ClipSpeech`` joins short clips (请 · A · 零 · 一 · 二 · 号到 · 三 · 号窗口办理), the way hall
calling systems work with a recorded human voice. The clip library is made once, at first use,
by synthesising each missing clip with espeak-ng into a cache directory; a hall that has
recordings drops WAV files with the same names into its ``recorded`` folder
(``zh/qing.wav``, ``zh/digit-0.wav``, ``zh/letter-A.wav``, ``zh/shi.wav``, ``zh/hao-dao.wav``,
``zh/hao-chuangkou-banli.wav``, ``en/number.wav``, ``en/please-go-to-window.wav``,
``en/digit-0.wav``, ``en/letter-A.wav``; any PCM WAV rate and width) and those are used instead.

The kiosk's guidance is free text ("您的号码是 B012。前面还有 3 人…"). A hall that recorded its
fixed phrases lists them in ``<recorded>/zh/phrases.toml`` (``your-number = "您的号码是"``,
each with its ``your-number.wav``); a sentence is then said from those recordings, ticket
numbers and counts from the recorded digit and letter clips, and only what no recording covers
(a service's name) by espeak-ng. Without recordings a sentence is spoken whole by espeak-ng,
which sounds better than synthesised pieces joined together.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from hardware.voice.audio import Audio, AudioError, read_wav, silence, trim
from kiosk.i18n import _, use_language
from kiosk.ports.announcer import Announcement, AnnouncerError

Language = Literal["zh", "en"]
ZH_DIGITS = "零一二三四五六七八九"
CHINESE_VOICE = "cmn-latn-pinyin"
ENGLISH_VOICE = "en"


class Speech(Protocol):
    def say_call(self, announcement: Announcement, language: Language) -> Audio: ...

    def say_text(self, text: str, language: Language) -> Audio: ...


def call_sentence(announcement: Announcement, language: Language) -> str:
    """The sentence on the hall display and in the voice: "请 A012 号到 3 号窗口办理"."""
    number = announcement.number
    if language == "en":
        number = " ".join(number)  # "A 0 1 2": English TTS would say "A twelve"
    with use_language("zh_CN" if language == "zh" else "en"):
        return _("请 {number} 号到 {window} 号窗口办理").format(
            number=number, window=announcement.window
        )


class EspeakSpeech:
    """Whole sentences through the espeak-ng program."""

    def __init__(
        self,
        chinese_voice: str = CHINESE_VOICE,
        english_voice: str = ENGLISH_VOICE,
        words_per_minute: int = 150,
        program: str = "espeak-ng",
    ) -> None:
        found = shutil.which(program)
        if found is None:
            raise AnnouncerError(f"{program} not found: install the Debian package espeak-ng")
        self.program = found
        self.voices: dict[Language, str] = {"zh": chinese_voice, "en": english_voice}
        self.words_per_minute = words_per_minute

    def speak(self, text: str, language: Language = "zh") -> Audio:
        if not text.strip():
            raise AnnouncerError("nothing to say")
        with tempfile.TemporaryDirectory(prefix="kiosk-voice-") as tmp:
            path = Path(tmp) / "speech.wav"
            result = subprocess.run(
                [
                    self.program,
                    "-v",
                    self.voices[language],
                    "-s",
                    str(self.words_per_minute),
                    "-w",
                    str(path),
                    "--",
                    text,
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            if result.returncode != 0 or not path.exists():
                message = (result.stderr or result.stdout).strip().splitlines()
                raise AnnouncerError(
                    f"espeak-ng failed: {message[-1] if message else result.returncode}"
                )
            try:
                return read_wav(path)
            except AudioError as error:
                raise AnnouncerError(str(error)) from None

    def say_call(self, announcement: Announcement, language: Language) -> Audio:
        return self.speak(call_sentence(announcement, language), language)

    def say_text(self, text: str, language: Language) -> Audio:
        return self.speak(text, language)


# What each clip says, for synthesising it when no recording exists.
_CLIP_TEXT: dict[Language, dict[str, str]] = {
    "zh": {
        "qing": "请",
        "hao-dao": "号到",
        "hao-chuangkou-banli": "号窗口办理",
        "shi": "十",
        **{f"digit-{d}": ZH_DIGITS[d] for d in range(10)},
    },
    "en": {
        "number": "Number",
        "please-go-to-window": "please go to window",
        **{f"digit-{d}": str(d) for d in range(10)},
    },
}


def clip_names(announcement: Announcement, language: Language) -> list[str]:
    """The clips of one call, in order, e.g. ``qing letter-A digit-0 ... hao-chuangkou-banli``."""
    spelled = [
        f"letter-{ch.upper()}" if ch.isalpha() else f"digit-{ch}" for ch in announcement.number
    ]
    if language == "en":
        window = [f"digit-{d}" for d in str(announcement.window)]
        return ["number", *spelled, "please-go-to-window", *window]
    return [
        "qing",
        *spelled,
        "hao-dao",
        *_chinese_cardinal(announcement.window),
        "hao-chuangkou-banli",
    ]


def _chinese_cardinal(n: int) -> list[str]:
    """Window numbers as said in Chinese: 3 三, 10 十, 12 十二, 20 二十, 35 三十五."""
    if n < 10:
        return [f"digit-{n}"]
    if n < 100:
        tens, ones = divmod(n, 10)
        head = ["shi"] if tens == 1 else [f"digit-{tens}", "shi"]
        return head + ([f"digit-{ones}"] if ones else [])
    return [f"digit-{d}" for d in str(n)]


class ClipLibrary:
    """Clips by name: the hall's recording if present, else a cached espeak-ng synthesis."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        recorded_dir: Path | None = None,
        espeak: EspeakSpeech | None = None,
    ) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self.recorded_dir = recorded_dir
        self._espeak = espeak
        self._loaded: dict[str, Audio] = {}
        self._lock = threading.Lock()

    def recorded(self, language: Language, name: str) -> bool:
        """Whether the hall recorded clip ``name`` (a human voice, not espeak-ng's)."""
        return (
            self.recorded_dir is not None
            and (self.recorded_dir / language / f"{name}.wav").is_file()
        )

    def phrases(self, language: Language) -> dict[str, str]:
        """The hall's recorded fixed phrases: text → clip name (``<recorded>/zh/phrases.toml``);
        a phrase listed without its WAV file is left out."""
        if self.recorded_dir is None:
            return {}
        path = self.recorded_dir / language / "phrases.toml"
        if not path.is_file():
            return {}
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise AnnouncerError(f"{path}: {error}") from None
        return {
            str(text): name
            for name, text in table.items()
            if isinstance(text, str) and text.strip() and self.recorded(language, name)
        }

    def path(self, language: Language, name: str) -> Path:
        if self.recorded_dir is not None:
            recorded = self.recorded_dir / language / f"{name}.wav"
            if recorded.is_file():
                return recorded
        return self.cache_dir / language / f"{name}.wav"

    def clip(self, language: Language, name: str) -> Audio:
        key = f"{language}/{name}"
        with self._lock:
            if key not in self._loaded:
                path = self.path(language, name)
                if not path.is_file():
                    self._synthesise(language, name, path)
                try:
                    self._loaded[key] = trim(read_wav(path))
                except AudioError as error:
                    raise AnnouncerError(f"voice clip {key}: {error}") from None
            return self._loaded[key]

    def _synthesise(self, language: Language, name: str, path: Path) -> None:
        if name.startswith("letter-") and len(name) == 8 and name[-1].isalpha():
            text = name[-1]
        else:
            text = _CLIP_TEXT[language].get(name, "")
        if not text:
            raise AnnouncerError(f"no voice clip {language}/{name} and no text to make it from")
        self.espeak.speak(text, language).write(path)

    @property
    def espeak(self) -> EspeakSpeech:
        """The synthesiser for what no clip covers (made at first use: it needs espeak-ng)."""
        if self._espeak is None:
            self._espeak = EspeakSpeech()
        return self._espeak


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hall-kiosk", appauthor=False)) / "voice-clips"


@dataclass(frozen=True)
class Piece:
    """A part of a sentence: a recorded clip, or text for espeak-ng."""

    clip: str = ""
    text: str = ""


_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Z]{1,2}[0-9]{2,4}|[0-9]{1,2})(?![A-Za-z0-9:])")


def plan_sentence(
    text: str, phrases: dict[str, str], recorded: set[str], language: Language = "zh"
) -> list[Piece]:
    """How to say ``text`` from recordings: recorded phrases (longest first), ticket numbers
    letter by letter and digit by digit, small counts as said in Chinese (十二), and the rest
    as text for espeak-ng. With no recording used at all the whole sentence goes to espeak-ng."""
    pieces: list[Piece] = []
    rest = ""
    position = 0
    ordered = sorted(phrases, key=len, reverse=True)
    while position < len(text):
        phrase = next((p for p in ordered if text.startswith(p, position)), None)
        if phrase is not None:
            pieces, rest = _flush(pieces, rest), ""
            pieces.append(Piece(clip=phrases[phrase]))
            position += len(phrase)
            continue
        match = _NUMBER.match(text, position)
        if match is not None:
            names = _number_clips(match.group(1), language)
            if all(name in recorded for name in names):
                pieces, rest = _flush(pieces, rest), ""
                pieces += [Piece(clip=name) for name in names]
                position = match.end()
                continue
        rest += text[position]
        position += 1
    pieces = _flush(pieces, rest)
    if not any(piece.clip for piece in pieces):
        return [Piece(text=text)]
    return pieces


def _flush(pieces: list[Piece], rest: str) -> list[Piece]:
    spoken = rest.strip(" ，。、,.;；：:")
    return [*pieces, Piece(text=rest.strip())] if spoken else pieces


def _number_clips(token: str, language: Language) -> list[str]:
    if token[0].isalpha():  # a ticket number: spelled
        return [f"letter-{ch}" if ch.isalpha() else f"digit-{ch}" for ch in token]
    if language == "zh":
        return _chinese_cardinal(int(token))
    return [f"digit-{ch}" for ch in token]


class ClipSpeech:
    """A call joined from clips, with a short pause where a speaker would breathe."""

    def __init__(self, library: ClipLibrary | None = None, gap_seconds: float = 0.06) -> None:
        self.library = library or ClipLibrary()
        self.gap_seconds = gap_seconds

    def plan(self, text: str, language: Language) -> list[Piece]:
        library = self.library
        names = {f"digit-{d}" for d in range(10)} | {"shi"}
        names |= {f"letter-{chr(c)}" for c in range(ord("A"), ord("Z") + 1)}
        recorded = {name for name in names if library.recorded(language, name)}
        return plan_sentence(text, library.phrases(language), recorded, language)

    def say_text(self, text: str, language: Language) -> Audio:
        """Recorded phrases and digits where the hall has them, espeak-ng for the rest."""
        audio = Audio()
        gap = silence(self.gap_seconds)
        for piece in self.plan(text, language):
            if piece.clip:
                audio = audio + self.library.clip(language, piece.clip) + gap
            else:
                audio = audio + self.library.espeak.speak(piece.text, language) + gap
        return audio

    def say_call(self, announcement: Announcement, language: Language) -> Audio:
        audio = Audio()
        gap = silence(self.gap_seconds)
        for name in clip_names(announcement, language):
            audio = audio + self.library.clip(language, name) + gap
        return audio
