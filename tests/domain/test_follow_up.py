"""The 差评 follow-up's rules without I/O: which ratings open one, its steps in order, the
15-working-day deadline on the shipped calendar (国庆 2026), a year without data, overdue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from kiosk.domain.calendar import Festival, HolidayCalendar, LocalClosure, YearCalendar
from kiosk.domain.follow_up import (
    FIRST_STAGE,
    STEPS,
    DeadlineBasis,
    FollowUpStage,
    FollowUpState,
    FollowUpStep,
    StepInput,
    StepRefusal,
    StepRefused,
    closed_late,
    follow_up_deadline,
    follow_up_state,
    next_stage,
    opens_follow_up,
    record_step,
    scrub_note,
)
from kiosk.domain.identity import check_digit
from kiosk.domain.rating import RatingLevel

RATED = datetime(2026, 9, 28, 10, 0)
NOW = datetime(2026, 9, 29, 15, 0)


def person(serial: int) -> str:
    first17 = f"41032319800101{serial:03d}"
    return first17 + check_digit(first17)


def test_only_a_bad_rating_opens_a_follow_up() -> None:
    opening = [level for level in RatingLevel if opens_follow_up(level)]
    assert opening == [RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED]


def test_the_deadline_runs_through_the_national_day_holiday() -> None:
    """2026-09-28 (Mon) + 15 working days: 国庆 1-7 Oct are holidays, Sat 10 Oct is worked."""
    deadline = follow_up_deadline(HolidayCalendar(), "xixia", date(2026, 9, 28))
    assert deadline.due == date(2026, 10, 23)
    assert deadline.basis is DeadlineBasis.CALENDAR and deadline.settled
    # Counting weekdays only would have said 19 October.
    assert follow_up_deadline(HolidayCalendar(), "xixia", date(2026, 11, 23)).due == date(
        2026, 12, 14
    )


def test_a_hall_closure_does_not_count_for_that_hall_only() -> None:
    closed = LocalClosure(date(2026, 10, 12), "停电", "power cut", frozenset({"xixia"}))
    calendar = HolidayCalendar(closures=(closed,))
    assert follow_up_deadline(calendar, "xixia", date(2026, 9, 28)).due == date(2026, 10, 26)
    assert follow_up_deadline(calendar, "pinggu", date(2026, 9, 28)).due == date(2026, 10, 23)


def test_a_year_without_data_gives_an_estimated_deadline_never_an_error() -> None:
    """2026-12-21 + 15 working days reaches into 2027, which no package or file knows:
    Monday to Friday stand in, and the deadline says it is an estimate of that year."""
    deadline = follow_up_deadline(HolidayCalendar(), "xixia", date(2026, 12, 21))
    assert deadline.basis is DeadlineBasis.ESTIMATED and deadline.year == 2027
    assert not deadline.settled
    # 22-31 Dec 2026: 8 working days (no holiday data says otherwise); 2027: 7 weekdays.
    assert deadline.due == date(2027, 1, 11)


def test_a_provisional_year_marks_the_deadline_provisional() -> None:
    draft = YearCalendar(
        2027,
        (Festival("元旦", (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3))),),
        provisional=True,
    )
    deadline = follow_up_deadline(HolidayCalendar(years={2027: draft}), "xixia", date(2026, 12, 21))
    assert deadline.basis is DeadlineBasis.PROVISIONAL and deadline.year == 2027
    assert deadline.due == date(2027, 1, 12)  # 1 January is a holiday in the draft


def test_overdue_from_the_day_after_the_deadline_until_closed() -> None:
    deadline = follow_up_deadline(HolidayCalendar(), "xixia", date(2026, 9, 28))
    visit = FollowUpStage.VISIT
    assert follow_up_state(visit, deadline, date(2026, 10, 23)) is FollowUpState.OPEN
    assert follow_up_state(visit, deadline, date(2026, 10, 24)) is FollowUpState.OVERDUE
    closed = FollowUpStage.CLOSED
    assert follow_up_state(closed, deadline, date(2026, 12, 1)) is FollowUpState.CLOSED
    assert closed_late(deadline, date(2026, 10, 26)) and not closed_late(deadline, None)
    assert not closed_late(deadline, date(2026, 10, 23))


def test_steps_go_in_order_to_closed() -> None:
    stage = FIRST_STAGE
    for step in STEPS:
        with pytest.raises(StepRefused) as wrong:
            next_stage(stage, FollowUpStep.CLOSE if step is not FollowUpStep.CLOSE else STEPS[0])
        assert wrong.value.reason is StepRefusal.OUT_OF_ORDER and wrong.value.expected is step
        stage = next_stage(stage, step)
    assert stage is FollowUpStage.CLOSED
    with pytest.raises(StepRefused) as closed:
        next_stage(stage, FollowUpStep.VISIT)
    assert closed.value.reason is StepRefusal.CLOSED


def test_a_visit_keeps_the_person_masked_and_the_note_scrubbed() -> None:
    typed = StepInput(
        FollowUpStep.VISIT,
        note=f"  联系了本人 13812345678，身份证 {person(7)}，\x07说窗口态度不好  ",
        contact_name="张小三",
        contact_phone="138 1234 5678",
        contacted_at=datetime(2026, 9, 29, 14, 30, 12),
    )
    stage, kept = record_step(FollowUpStage.VISIT, typed, RATED, NOW)
    assert stage is FollowUpStage.RECTIFY
    assert kept.contact_name == "张*三" and kept.contact_phone == "138****5678"
    assert kept.contacted_at == datetime(2026, 9, 29, 14, 30)
    assert "13812345678" not in kept.note and "138****5678" in kept.note
    assert person(7) not in kept.note and person(7)[:4] + "**********" in kept.note
    assert "\x07" not in kept.note and kept.note.startswith("联系了本人")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"note": " \n "}, StepRefusal.NOTE_REQUIRED),
        ({"contact_name": " "}, StepRefusal.CONTACT_REQUIRED),
        ({"contact_phone": "12ab"}, StepRefusal.BAD_PHONE),
        ({"contacted_at": None}, StepRefusal.WHEN_REQUIRED),
        ({"contacted_at": datetime(2026, 9, 29, 15, 1)}, StepRefusal.WHEN_IN_FUTURE),
        ({"contacted_at": datetime(2026, 9, 28, 9, 0)}, StepRefusal.WHEN_BEFORE_RATING),
    ],
)
def test_a_visit_needs_note_person_and_a_plausible_time(changes: dict, reason: StepRefusal) -> None:
    values = {
        "note": "说明",
        "contact_name": "张三",
        "contact_phone": "",
        "contacted_at": datetime(2026, 9, 29, 9, 0),
        **changes,
    }
    with pytest.raises(StepRefused) as refused:
        record_step(FollowUpStage.VISIT, StepInput(FollowUpStep.VISIT, **values), RATED, NOW)
    assert refused.value.reason is reason


def test_a_name_typed_with_control_characters_is_kept_without_them() -> None:
    """PostgreSQL refuses a NUL in text: nothing a form sends may reach it."""
    typed = StepInput(FollowUpStep.VISIT, "说明", "\x00张小三\x07", "", datetime(2026, 9, 29, 9))
    assert record_step(FollowUpStage.VISIT, typed, RATED, NOW)[1].contact_name == "张*三"
    with pytest.raises(StepRefused) as refused:
        record_step(FollowUpStage.VISIT, replace(typed, contact_name="\x00\x01"), RATED, NOW)
    assert refused.value.reason is StepRefusal.CONTACT_REQUIRED


def test_later_steps_need_only_a_note() -> None:
    stage, kept = record_step(
        FollowUpStage.RECTIFY, StepInput(FollowUpStep.RECTIFY, "窗口人员已培训"), RATED, NOW
    )
    assert stage is FollowUpStage.FEEDBACK and kept.contact_name is None
    with pytest.raises(StepRefused):
        record_step(FollowUpStage.FEEDBACK, StepInput(FollowUpStep.FEEDBACK, ""), RATED, NOW)
    assert scrub_note("座机 0377-60119518 回电") == "座机 037*****9518 回电"
    assert len(scrub_note("长" * 900) or "") == 500


def test_the_words_are_in_both_languages() -> None:
    from kiosk.i18n import use_language
    from kiosk.messages import STAGE_TEXT, STATE_TEXT, STEP_TEXT, deadline_text
    from kiosk.messages import describe_step_refusal as said

    estimated = follow_up_deadline(HolidayCalendar(), "xixia", date(2026, 12, 21))
    assert deadline_text(estimated) == "2027-01-11（估算：2027年节假日安排未发布，按周一至周五计）"
    with use_language("en"):
        assert deadline_text(estimated).startswith("2027-01-11 (estimate: the holidays of 2027")
        assert said(StepRefused(StepRefusal.NOTE_REQUIRED)) == "Please write a note"
        from kiosk.i18n import _

        for words in (*STAGE_TEXT.values(), *STEP_TEXT.values(), *STATE_TEXT.values()):
            assert _(words) != words and _(words).isascii(), words
        for reason in StepRefusal:
            assert said(StepRefused(reason)).isascii(), reason
