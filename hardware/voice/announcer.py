"""The hall's voice: chime, then "请 A012 号到 3 号窗口办理" (twice), one call at a time.

``announce`` only queues: a background worker makes the sound and plays it, so the window
console never waits for the loudspeaker, and a second call waits until the first is finished
instead of talking over it. A recall is queued like any call, so it is said again.

``say`` queues a plain sentence (the kiosk's guidance: the number, the reason of a refusal)
on the same queue, so a sentence and a call never overlap either; ``drop_pending`` forgets the
sentences not yet begun when newer guidance replaces them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from hardware.voice.audio import Audio, chime, silence
from hardware.voice.output import Output
from hardware.voice.speech import Language, Speech
from kiosk.ports.announcer import Announcement, AnnouncerError

log = logging.getLogger(__name__)
ErrorListener = Callable[[Announcement, AnnouncerError], None]


@dataclass(frozen=True)
class Sentence:
    """Free text to say once, without the chime; Chinese if it holds any Chinese character."""

    text: str

    @property
    def language(self) -> Language:
        return "zh" if any("\u3400" <= ch <= "\u9fff" for ch in self.text) else "en"


class VoiceAnnouncer:
    def __init__(
        self,
        speech: Speech,
        output: Output,
        repeat: int = 2,
        english: bool = False,
        with_chime: bool = True,
        on_error: ErrorListener | None = None,
        volume: int = 100,
    ) -> None:
        if not 1 <= repeat <= 5:
            raise ValueError("repeat must be 1-5")
        if not 0 <= volume <= 100:
            raise ValueError("volume must be 0-100 (per cent)")
        self.volume = volume
        self.speech = speech
        self.output = output
        self.repeat = repeat
        self.english = english
        self.with_chime = with_chime
        self.on_error = on_error
        self.spoken: list[Announcement] = []
        self.said: list[str] = []
        self.failed: list[tuple[Announcement | Sentence, AnnouncerError]] = []
        self._queue: queue.Queue[Announcement | Sentence | threading.Event | None] = queue.Queue()
        self._closed = False
        self._chime = chime() if with_chime else None
        self._thread = threading.Thread(target=self._work, name="voice", daemon=True)
        self._thread.start()

    def announce(self, announcement: Announcement) -> None:
        if self._closed:
            raise AnnouncerError("the announcer is closed")
        self._queue.put(announcement)

    def say(self, text: str) -> None:
        """Queue ``text`` to be said once, after whatever is queued before it."""
        if self._closed:
            raise AnnouncerError("the announcer is closed")
        if not text.strip():
            raise ValueError("nothing to say")
        self._queue.put(Sentence(text.strip()))

    def drop_pending(self) -> int:
        """Forget the sentences queued but not begun (calls stay); how many were dropped.

        The kiosk's guidance for a screen the person has already left is of no use to them,
        and would delay what the new screen says."""
        kept: list[Announcement | Sentence | threading.Event | None] = []
        dropped = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Sentence):
                dropped += 1
            else:
                kept.append(item)
        for item in kept:
            self._queue.put(item)
        return dropped

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything queued so far has been said (for the CLI and tests)."""
        done = threading.Event()
        self._queue.put(done)  # the worker sets it when it gets there
        return done.wait(timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Say what is queued, then stop the worker."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)

    def compose(self, announcement: Announcement) -> Audio:
        """Chime, the Chinese call ``repeat`` times, then the English call when enabled."""
        pause = silence(0.5)
        audio = Audio(self._chime.samples[:]) if self._chime is not None else Audio()
        chinese = self.speech.say_call(announcement, "zh")
        for _ in range(self.repeat):
            audio = audio + chinese + pause
        if self.english:
            audio = audio + self.speech.say_call(announcement, "en") + pause
        return audio

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                if isinstance(item, Sentence):
                    audio = self.speech.say_text(item.text, item.language) + silence(0.3)
                    self.output.play(self._loud(audio), f"say-{item.language}")
                    self.said.append(item.text)
                    continue
                audio = self._loud(self.compose(item))
                self.output.play(
                    audio, f"{item.number}-w{item.window}{'-recall' if item.recall else ''}"
                )
                self.spoken.append(item)
            except AnnouncerError as error:
                self._failed(item, error)
            except Exception as error:  # the voice must survive any one bad call
                log.exception("announcement %s failed", item)
                self._failed(item, AnnouncerError(str(error)))

    def _loud(self, audio: Audio) -> Audio:
        return audio.scaled(self.volume / 100)

    def _failed(self, item: Announcement | Sentence, error: AnnouncerError) -> None:
        if isinstance(item, Sentence):
            log.warning("sentence %r not said: %s", item.text, error)
            self.failed.append((item, error))
            return
        log.warning("announcement %s to window %s not said: %s", item.number, item.window, error)
        self.failed.append((item, error))
        if self.on_error is not None:
            try:
                self.on_error(item, error)
            except Exception:
                log.exception("announcer error listener failed")
