"""What a journey is: a small state machine for one thing a person came to do.

A journey (check-in, walk-in, booking, guide, a notice) keeps its own steps, answers the taps
and job results that belong to it, goes one step back on 上一步, and draws its current step as
a ``View`` in the language and size of the moment. It never calls the store or a device: it
returns ``Next`` with the requests (effects) for the job runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.domain.identity import Identity
from screens.flows.context import Context
from screens.flows.devices import Devices
from screens.flows.effects import Effect
from screens.flows.events import Event
from screens.flows.view import View


@dataclass
class Next:
    """A journey's answer: requests to run, a journey to start on top of it, or leaving it
    (back to the journey below, or home). ``say``: None speaks the new view's lines, a tuple
    says exactly those (``()``: nothing)."""

    effects: list[Effect] = field(default_factory=list)
    start: Journey | None = None
    leave: bool = False
    say: tuple[str, ...] | None = None


@dataclass
class Kiosk:
    """What a journey may read of the kiosk around it."""

    ctx: Context
    devices: Devices
    session: Callable[[], int]
    page: Callable[[str], int]  # the page shown of a view that pages itself (the ticket)

    @property
    def reader_down(self) -> bool:
        return self.devices.reader_down


class Journey:
    name = "journey"
    identity: Identity | None = None

    def begin(self, kiosk: Kiosk) -> list[Effect]:
        """The requests to make as the journey starts (a check-in for the card just read)."""
        return []

    def view(self, kiosk: Kiosk) -> View:
        raise NotImplementedError

    def tap(self, name: str, kiosk: Kiosk) -> Next | None:
        """A tap on one of this journey's own choices; None when the name is not its own."""
        return None

    def answer(self, event: Event, kiosk: Kiosk) -> Next | None:
        """A job's answer for this journey; None when it is not for it."""
        return None

    def back(self, kiosk: Kiosk) -> Next:
        """上一步: one step back; the first step leaves the journey."""
        return Next(leave=True)

    def card(self, identity: Identity, kiosk: Kiosk) -> Next | None:
        """A card read during this journey; None: it starts a check-in, as on the home screen."""
        return None

    @property
    def busy(self) -> bool:
        """Waiting for the store: a card read now must not start a second request."""
        return False


class Notice(Journey):
    """A message with no state of its own (the desk, a card error, the reader being down),
    drawn again in the language of the moment."""

    name = "notice"

    def __init__(self, draw: Callable[[Kiosk], View], identity: Identity | None = None) -> None:
        self.draw = draw
        self.identity = identity

    def view(self, kiosk: Kiosk) -> View:
        return self.draw(kiosk)


def working(ctx: Context, kind: str) -> View:
    return View(
        screen="working",
        kind=kind,
        title=ctx.t("正在办理，请稍候"),
        icon="timer-sand",
        spoken=(),
    )
