"""What the window's rating pad (评价器) does, as a plain state machine: no Kivy, no store.

The pad follows its window through the hall's events: the clerk on duty, the number being
served, "暂停服务" while the window is paused. When the window completes a service it asks the
citizen to rate it (five levels); a 差评 asks for reasons to pick; no answer within the hall's
``[rating].pad_seconds`` leaves the service 未评价 (nothing is recorded: never a good rating).
A rating made meanwhile on the phone page closes the question. The app (``terminal_app``)
draws ``view()`` and carries out the effects the flow returns: words to speak and a rating to
store. Time is passed in (monotonic seconds), so tests drive it without waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from kiosk.domain.hall import RatingSettings
from kiosk.domain.rating import RatingLevel
from kiosk.services.feed import HallEvent

THANKS_SECONDS = 4.0
UNRATED_SECONDS = 3.0
ASK_TEXT = "请您对本次服务进行评价"
REASON_TEXT = "请选择不满意的原因，可以多选"
THANKS_TEXT = "感谢您的评价"


class PadState(StrEnum):
    IDLE = "idle"  # the window's name, clerk and number being served
    ASKING = "asking"  # the five levels
    REASONS = "reasons"  # a 差评 was chosen: reasons to pick
    SAVING = "saving"  # the rating is being stored
    THANKS = "thanks"
    UNRATED = "unrated"  # the question timed out: 未评价


@dataclass(frozen=True)
class Say:
    """Words for the voice (a msgid; the app translates)."""

    text: str


@dataclass(frozen=True)
class Submit:
    ticket_id: int
    level: RatingLevel
    reasons: tuple[str, ...]


Effect = Say | Submit


@dataclass(frozen=True)
class Duty:
    """The window as the pad shows it when nobody is being asked."""

    clerk_id: str | None = None
    paused: bool = False
    serving: str | None = None  # the number called or being served here


@dataclass
class TerminalFlow:
    window: int
    settings: RatingSettings
    duty: Duty = field(default_factory=Duty)
    state: PadState = PadState.IDLE
    ticket_id: int | None = None  # the service being rated
    number: str | None = None
    level: RatingLevel | None = None
    reasons: list[str] = field(default_factory=list)
    deadline: float | None = None
    outcome: str | None = None  # "rated", "rated_elsewhere", "unrated", "failed"
    seq: int = 0

    # -- what happens at the window --------------------------------------------------------
    def on_events(self, events: Sequence[HallEvent], now: float) -> list[Effect]:
        effects: list[Effect] = []
        for event in events:
            self.seq = max(self.seq, event.seq)
            effects += self._event(event, now)
        return effects

    def _mine(self, event: HallEvent) -> bool:
        return event.payload.get("window") == self.window

    def _event(self, event: HallEvent, now: float) -> list[Effect]:
        payload = event.payload
        kind = event.type
        if kind == "ticket_rated" and payload.get("ticket_id") == self.ticket_id:
            if self.state in (PadState.ASKING, PadState.REASONS):
                return self._finish("rated_elsewhere", now)
            return []
        if not self._mine(event):
            return []
        number = payload.get("number")
        if kind in ("ticket_called", "ticket_recalled", "ticket_started"):
            self.duty = replace(self.duty, serving=str(number))
        elif kind in ("ticket_completed", "ticket_no_show", "ticket_transferred"):
            if self.duty.serving == number:
                self.duty = replace(self.duty, serving=None)
            if kind == "ticket_completed":
                return self._ask(int(payload["ticket_id"]), str(number), now)
        elif kind in ("window_paused", "window_closed"):
            self.duty = replace(self.duty, paused=True)
        elif kind == "window_resumed":
            self.duty = replace(self.duty, paused=False)
        elif kind == "clerk_signed_in":
            self.duty = replace(self.duty, clerk_id=payload.get("clerk"), paused=False)
        elif kind == "clerk_signed_out":
            self.duty = replace(self.duty, clerk_id=None, paused=True)
        return []

    def _ask(self, ticket_id: int, number: str, now: float) -> list[Effect]:
        if self.state in (PadState.ASKING, PadState.REASONS, PadState.SAVING):
            return []  # still asking the citizen before: one question at a time
        self.state = PadState.ASKING
        self.ticket_id, self.number = ticket_id, number
        self.level, self.reasons, self.outcome = None, [], None
        self.deadline = now + self.settings.pad_seconds
        return [Say(ASK_TEXT)]

    # -- what the citizen does ---------------------------------------------------------------
    def choose(self, level: RatingLevel, now: float) -> list[Effect]:
        if self.state is not PadState.ASKING or self.ticket_id is None:
            return []
        self.level = level
        if level.bad:
            self.state = PadState.REASONS
            self.deadline = now + self.settings.reason_seconds
            return [Say(REASON_TEXT)]
        return self._submit()

    def toggle_reason(self, reason_id: str) -> None:
        if self.state is not PadState.REASONS:
            return
        if reason_id in self.reasons:
            self.reasons.remove(reason_id)
        elif any(reason.id == reason_id for reason in self.settings.reasons):
            self.reasons.append(reason_id)

    def confirm_reasons(self, _now: float) -> list[Effect]:
        if self.state is not PadState.REASONS:
            return []
        return self._submit()

    def _submit(self) -> list[Effect]:
        assert self.ticket_id is not None and self.level is not None
        self.state = PadState.SAVING
        self.deadline = None
        return [Submit(self.ticket_id, self.level, tuple(self.reasons))]

    def saved(self, code: str | None, now: float) -> list[Effect]:
        """The store's answer: None when stored, else the refusal's code."""
        if self.state is not PadState.SAVING:
            return []
        if code is None or code == "already_rated":
            return self._finish("rated" if code is None else "rated_elsewhere", now)
        return self._finish("failed", now)

    def _finish(self, outcome: str, now: float) -> list[Effect]:
        self.outcome = outcome
        if outcome == "unrated":
            self.state = PadState.UNRATED
            self.deadline = now + UNRATED_SECONDS
            return []
        self.state = PadState.THANKS
        self.deadline = now + THANKS_SECONDS
        return [Say(THANKS_TEXT)] if outcome == "rated" else []

    # -- time ------------------------------------------------------------------------------------
    def tick(self, now: float) -> list[Effect]:
        if self.deadline is None or now < self.deadline:
            return []
        if self.state is PadState.ASKING:
            return self._finish("unrated", now)  # 未评价: nothing stored, never a good rating
        if self.state is PadState.REASONS:
            return self._submit()  # the level is the citizen's answer; reasons are optional
        if self.state in (PadState.THANKS, PadState.UNRATED):
            self.state = PadState.IDLE
            self.ticket_id = self.number = self.level = self.deadline = None
            self.reasons = []
        return []

    def seconds_left(self, now: float) -> int | None:
        if self.deadline is None or self.state not in (PadState.ASKING, PadState.REASONS):
            return None
        return max(0, int(self.deadline - now + 0.999))
