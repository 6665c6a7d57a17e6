"""Sound as plain 16-bit mono samples, read and written with the stdlib ``wave`` module.

Everything the announcer joins (chime, espeak-ng output, a hall's recorded clips at whatever
rate and width they were made) is brought to one format first, so joining is concatenation.
No numpy: a few seconds of 22 kHz audio is small enough for ``array``.
"""

from __future__ import annotations

import io
import math
import wave
from array import array
from dataclasses import dataclass, field
from pathlib import Path

RATE = 22050  # espeak-ng's own rate: its output needs no resampling


class AudioError(ValueError):
    """A WAV file that cannot be read (not PCM, empty, truncated)."""


@dataclass
class Audio:
    samples: array[int] = field(default_factory=lambda: array("h"))
    rate: int = RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def __add__(self, other: Audio) -> Audio:
        if other.rate != self.rate:
            other = resample(other, self.rate)
        return Audio(self.samples + other.samples, self.rate)

    def scaled(self, factor: float) -> Audio:
        """Louder or quieter (the device's volume setting); clipped to 16 bits."""
        if factor == 1.0:
            return self
        top = 32767
        samples = array("h", (max(-top, min(top, int(s * factor))) for s in self.samples))
        return Audio(samples, self.rate)

    def rms(self) -> float:
        if not self.samples:
            return 0.0
        return math.sqrt(sum(s * s for s in self.samples) / len(self.samples))

    def peak(self) -> int:
        return max((abs(s) for s in self.samples), default=0)

    def to_wav_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.rate)
            out.writeframes(self.samples.tobytes())
        return buffer.getvalue()

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.part")
        temporary.write_bytes(self.to_wav_bytes())
        temporary.replace(path)
        return path


def silence(seconds: float, rate: int = RATE) -> Audio:
    return Audio(array("h", bytes(2 * int(seconds * rate))), rate)


def resample(audio: Audio, rate: int) -> Audio:
    """Linear interpolation: good enough for speech clips recorded at 16 or 44.1 kHz."""
    if audio.rate == rate or not audio.samples:
        return Audio(array("h", audio.samples), rate)
    source = audio.samples
    count = int(len(source) * rate / audio.rate)
    step = audio.rate / rate
    last = len(source) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        position = i * step
        left = int(position)
        right = min(left + 1, last)
        fraction = position - left
        out[i] = int(source[left] + (source[right] - source[left]) * fraction)
    return Audio(out, rate)


def read_wav(source: Path | bytes) -> Audio:
    """Any PCM WAV (8/16/24/32-bit, mono or stereo) as 16-bit mono at ``RATE``."""
    name = str(source) if isinstance(source, Path) else "WAV data"
    try:
        with wave.open(str(source) if isinstance(source, Path) else io.BytesIO(source)) as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        raise AudioError(f"{name}: not a PCM WAV file ({error})") from None
    except OSError as error:
        raise AudioError(f"{name}: {error.strerror or error}") from None
    if width == 2:
        samples = array("h", frames[: len(frames) // 2 * 2])
    elif width == 1:
        samples = array("h", ((b - 128) << 8 for b in frames))
    elif width in (3, 4):
        samples = array(
            "h",
            (
                int.from_bytes(frames[i + width - 2 : i + width], "little", signed=True)
                for i in range(0, len(frames) - width + 1, width)
            ),
        )
    else:
        raise AudioError(f"{name}: {8 * width}-bit samples are not supported")
    if channels > 1:
        samples = array(
            "h",
            (
                sum(samples[i : i + channels]) // channels
                for i in range(0, len(samples) - channels + 1, channels)
            ),
        )
    if not samples:
        raise AudioError(f"{name}: no sound in the file")
    return resample(Audio(samples, rate), RATE) if rate != RATE else Audio(samples, rate)


def trim(audio: Audio, threshold: int = 300) -> Audio:
    """Cut leading and trailing near-silence, so joined clips do not leave long gaps."""
    samples = audio.samples
    start = next((i for i, s in enumerate(samples) if abs(s) > threshold), len(samples))
    end = len(samples)
    while end > start and abs(samples[end - 1]) <= threshold:
        end -= 1
    return Audio(samples[start:end], audio.rate)


def chime(rate: int = RATE) -> Audio:
    """Two soft bell notes (E5 then C5, "ding-dong") with a decaying envelope, made in code."""
    out = array("h")
    for frequency, seconds in ((659.25, 0.45), (523.25, 0.7)):
        count = int(seconds * rate)
        for i in range(count):
            t = i / rate
            envelope = min(1.0, t / 0.01) * math.exp(-3.5 * t)
            tone = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(
                4 * math.pi * frequency * t
            )
            out.append(int(9000 * envelope * tone))
    return Audio(out, rate) + silence(0.25, rate)
