"""Where an announcement's sound goes: the sound device, or WAV files.

``DevicePlayer`` plays through ``paplay`` when a PulseAudio/PipeWire server is reachable,
otherwise ALSA's ``aplay``; playing blocks until the sound has been heard, which is what keeps
two calls from talking over each other. A machine without a sound device gives an
``AnnouncerError`` naming the player's complaint, not silence.

``WavFiles`` writes each announcement as a numbered file: tests, headless machines, and a hall
that feeds its loudspeaker system from files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Protocol

from hardware.voice.audio import Audio
from kiosk.ports.announcer import AnnouncerError


class Output(Protocol):
    def play(self, audio: Audio, label: str) -> None: ...


class WavFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.written: list[Path] = []
        self._lock = threading.Lock()

    def play(self, audio: Audio, label: str) -> None:
        with self._lock:
            index = len(self.written) + 1
            safe = re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-") or "call"
            path = audio.write(self.directory / f"{index:04d}-{safe}.wav")
            self.written.append(path)


class WavFile:
    """One file, overwritten by each announcement (``kiosk say --wav out.wav``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def play(self, audio: Audio, label: str) -> None:
        audio.write(self.path)


def _pulse_available() -> bool:
    if os.environ.get("PULSE_SERVER"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return runtime is not None and runtime != "" and Path(runtime, "pulse", "native").exists()


class DevicePlayer:
    def __init__(self, command: list[str] | None = None) -> None:
        if command is None:
            if shutil.which("paplay") and _pulse_available():
                command = ["paplay"]
            elif shutil.which("aplay"):
                command = ["aplay", "-q"]
            else:
                raise AnnouncerError(
                    "no audio player: install alsa-utils (aplay) or pulseaudio-utils (paplay), "
                    "or write the announcements to WAV files"
                )
        self.command = command

    def play(self, audio: Audio, label: str) -> None:
        with tempfile.NamedTemporaryFile(prefix="kiosk-call-", suffix=".wav") as handle:
            handle.write(audio.to_wav_bytes())
            handle.flush()
            try:
                result = subprocess.run(
                    [*self.command, handle.name],
                    capture_output=True,
                    text=True,
                    timeout=audio.seconds + 30,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise AnnouncerError(f"{self.command[0]}: {error}") from None
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            detail = lines[-1] if lines else f"exit status {result.returncode}"
            raise AnnouncerError(f"no sound device or it refused to play: {detail}")
