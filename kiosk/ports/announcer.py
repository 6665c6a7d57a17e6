"""What the hall needs from its voice: "请 A012 号到 3 号窗口办理", never two at once.

``announce`` returns at once (the window console must not wait for the loudspeaker); the
announcer says the calls one after another in the order they came, and a recall is said again
even when the same call was just made. ``say`` queues a plain sentence (a screen's title read
aloud for an older person) on the same queue, so it never talks over a call either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class AnnouncerError(Exception):
    """The voice cannot speak: no engine, no sound device, a broken clip library."""


@dataclass(frozen=True)
class Announcement:
    number: str
    window: int
    recall: bool = False

    def __post_init__(self) -> None:
        if not self.number.strip() or not self.number.isascii() or not self.number.isalnum():
            raise ValueError(f"ticket number {self.number!r}: letters and digits only")
        if self.window <= 0:
            raise ValueError(f"window must be a positive number (got {self.window})")


@runtime_checkable
class Announcer(Protocol):
    def announce(self, announcement: Announcement) -> None: ...

    def say(self, text: str) -> None: ...

    def close(self) -> None: ...
