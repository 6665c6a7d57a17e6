"""The rating pad's behaviour without a window: events in, effects and states out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.domain.hall import RatingSettings
from kiosk.domain.rating import RatingLevel
from kiosk.services.feed import HallEvent
from screens.terminal_flow import (
    ASK_TEXT,
    REASON_TEXT,
    THANKS_TEXT,
    Duty,
    PadState,
    Say,
    Submit,
    TerminalFlow,
)

AT = datetime(2026, 11, 23, 10, 0)
SETTINGS = RatingSettings(pad_seconds=30, reason_seconds=20)


def event(seq: int, type_: str, **payload: Any) -> HallEvent:
    return HallEvent(seq, type_, AT, "console-3", payload)


def flow() -> TerminalFlow:
    return TerminalFlow(3, SETTINGS, Duty("0317", False, None))


def completed(seq: int, ticket: int = 7, number: str = "B001", window: int = 3) -> HallEvent:
    return event(seq, "ticket_completed", ticket_id=ticket, number=number, window=window)


def test_follows_its_window_only() -> None:
    pad = flow()
    pad.on_events([event(1, "ticket_called", ticket_id=7, number="B001", window=3)], 0)
    assert pad.duty.serving == "B001"
    pad.on_events([event(2, "ticket_called", ticket_id=8, number="B002", window=4)], 0)
    assert pad.duty.serving == "B001"
    pad.on_events([event(3, "window_paused", window=3)], 0)
    assert pad.duty.paused
    pad.on_events([event(4, "window_resumed", window=3)], 0)
    assert not pad.duty.paused
    pad.on_events([event(5, "clerk_signed_out", window=3, clerk=None)], 0)
    assert pad.duty.clerk_id is None and pad.duty.paused
    pad.on_events([event(6, "clerk_signed_in", window=3, clerk="0420")], 0)
    assert pad.duty == Duty("0420", False, "B001")
    assert pad.seq == 6


def test_a_completed_service_is_asked_for_and_a_good_rating_submitted() -> None:
    pad = flow()
    assert pad.on_events([completed(1)], 100.0) == [Say(ASK_TEXT)]
    assert pad.state is PadState.ASKING and pad.number == "B001"
    assert pad.seconds_left(110.0) == 20
    assert pad.on_events([completed(2, window=4, ticket=9)], 101.0) == []
    effects = pad.choose(RatingLevel.SATISFIED, 105.0)
    assert effects == [Submit(7, RatingLevel.SATISFIED, ())]
    assert pad.state is PadState.SAVING
    assert pad.choose(RatingLevel.VERY_SATISFIED, 105.5) == []  # a second tap does nothing
    assert pad.saved(None, 106.0) == [Say(THANKS_TEXT)]
    assert pad.state is PadState.THANKS and pad.outcome == "rated"
    pad.tick(200.0)
    assert pad.state is PadState.IDLE and pad.ticket_id is None


def test_a_bad_rating_asks_for_reasons_then_submits_them() -> None:
    pad = flow()
    pad.on_events([completed(1)], 0.0)
    assert pad.choose(RatingLevel.VERY_DISSATISFIED, 1.0) == [Say(REASON_TEXT)]
    assert pad.state is PadState.REASONS
    pad.toggle_reason("attitude")
    pad.toggle_reason("efficiency")
    pad.toggle_reason("attitude")
    pad.toggle_reason("no-such-reason")
    assert pad.reasons == ["efficiency"]
    assert pad.confirm_reasons(2.0) == [Submit(7, RatingLevel.VERY_DISSATISFIED, ("efficiency",))]


def test_reasons_time_out_into_the_chosen_level() -> None:
    pad = flow()
    pad.on_events([completed(1)], 0.0)
    pad.choose(RatingLevel.DISSATISFIED, 1.0)
    assert pad.tick(20.9) == []
    assert pad.tick(21.0) == [Submit(7, RatingLevel.DISSATISFIED, ())]


def test_no_answer_is_unrated_never_a_good_rating() -> None:
    pad = flow()
    pad.on_events([completed(1)], 0.0)
    assert pad.tick(29.9) == []
    assert pad.tick(30.0) == []  # nothing is submitted
    assert pad.state is PadState.UNRATED and pad.outcome == "unrated"
    pad.tick(40.0)
    assert pad.state is PadState.IDLE


def test_a_rating_on_the_phone_closes_the_question() -> None:
    pad = flow()
    pad.on_events([completed(1)], 0.0)
    other = event(2, "ticket_rated", ticket_id=99, window=3)
    pad.on_events([other], 1.0)
    assert pad.state is PadState.ASKING
    pad.on_events([event(3, "ticket_rated", ticket_id=7, window=3)], 2.0)
    assert pad.state is PadState.THANKS and pad.outcome == "rated_elsewhere"


def test_one_question_at_a_time_and_refusals() -> None:
    pad = flow()
    pad.on_events([completed(1)], 0.0)
    pad.on_events([completed(2, ticket=8, number="B002")], 1.0)  # the clerk hurried on
    assert pad.ticket_id == 7
    pad.choose(RatingLevel.SATISFIED, 2.0)
    pad.saved("already_rated", 3.0)
    assert pad.outcome == "rated_elsewhere"
    pad.tick(10.0)
    pad.on_events([completed(3, ticket=8, number="B002")], 11.0)
    pad.choose(RatingLevel.SATISFIED, 12.0)
    assert pad.saved("store_error", 13.0) == []
    assert pad.outcome == "failed" and pad.state is PadState.THANKS


def test_nothing_to_choose_when_not_asking() -> None:
    pad = flow()
    assert pad.choose(RatingLevel.SATISFIED, 0.0) == []
    assert pad.confirm_reasons(0.0) == []
    assert pad.saved(None, 0.0) == []
    pad.toggle_reason("attitude")
    assert pad.reasons == []
