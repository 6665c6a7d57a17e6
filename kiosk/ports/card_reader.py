"""What the kiosk needs from an ID-card reader, whatever the hardware.

The reader runs on its own and reports each tap as a ``CardEvent``: either the checked
``Identity`` or one of the typed errors below, each with a message the kiosk can show the citizen.
An expired card is reported as ``CardExpired`` (carrying the identity, so the screen can greet the
person by masked name while refusing the card), never as a plain identity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from kiosk.domain.identity import Identity
from kiosk.i18n import _


class CardReaderError(Exception):
    """A tap that gave no usable identity. ``str()`` is one line for the citizen or technician."""

    code = "reader_error"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(self.message())

    def headline(self) -> str:
        return _("读卡失败")

    def message(self) -> str:
        return f"{self.headline()}: {self.detail}" if self.detail else self.headline()


class ReaderOffline(CardReaderError):
    """The reader is unplugged, does not answer, or its security module failed."""

    code = "reader_offline"

    def headline(self) -> str:
        return _("读卡器未连接，请联系工作人员")


class CardUnreadable(CardReaderError):
    """A card was seen but could not be read (moved away too soon, not an ID card...)."""

    code = "card_unreadable"

    def headline(self) -> str:
        return _("未能读取证件，请将证件平放在感应区后重试")


class InvalidCardData(CardReaderError):
    """The card was read but its data is not a valid identity (corrupt or forged)."""

    code = "invalid_card_data"

    def headline(self) -> str:
        return _("证件信息无效，请到人工窗口办理")


class CardExpired(CardReaderError):
    """The card is genuine but past its "valid to" date; the kiosk refuses it."""

    code = "card_expired"

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        super().__init__(
            _("有效期至{date}").format(date=identity.valid_to.isoformat())
            if identity.valid_to
            else ""
        )

    def headline(self) -> str:
        return _("证件已过期，请使用有效证件")


@dataclass(frozen=True)
class CardEvent:
    """One tap on the reader (or the reader dropping out), in the order they happened."""

    identity: Identity | None = None
    error: CardReaderError | None = None
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if (self.identity is None) == (self.error is None):
            raise ValueError("a CardEvent carries exactly one of identity and error")

    @property
    def ok(self) -> bool:
        return self.identity is not None


CardCallback = Callable[[CardEvent], None]


@runtime_checkable
class CardReader(Protocol):
    """A reader that watches for cards on a background thread once started.

    ``callback`` is called from the reader's thread: a UI must hand the event over to its own
    thread (Kivy: ``Clock.schedule_once``). ``online`` tells whether the reader answers now; the
    callback gets one ``ReaderOffline`` event each time the reader drops out.
    """

    def start(self, callback: CardCallback) -> None: ...

    def stop(self) -> None: ...

    @property
    def online(self) -> bool: ...
