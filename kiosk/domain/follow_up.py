"""The follow-up of a 差评 (回访 → 整改 → 反馈 → 办结), its deadline and whether it is overdue.

国办发〔2019〕51号: every 差评 is verified with the citizen (回访), put right (整改) and the
citizen told what was done (反馈), each one tracked to the end, within 15 working days (the
provincial rules' usual term). Which ratings open one is ``RatingLevel.bad``, the one rule of
what a 差评 is. The term is counted by the hall's calendar: statutory holidays, make-up working
days and the hall's own closures. A year the calendar has no data for never makes an error:
weekdays stand in for its working days and the deadline is marked estimated (估算), as one
counted in a provisional year is marked provisional (暂定), so staff see a date and know how
far to trust it. Pure values and rules, no I/O; the texts are in ``kiosk.messages``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from kiosk.domain.calendar import HolidayCalendar, UnknownYear
from kiosk.domain.identity import mask_name, mask_phone, valid_phone
from kiosk.domain.rating import RatingLevel, scrub_free_text

#: The term of a follow-up, in working days after the day of the rating.
FOLLOW_UP_WORKING_DAYS = 15
NOTE_MAX = 500
CONTACT_MAX = 32
#: A mobile number (11 digits) or a landline with its area code, written in a note.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])")


def opens_follow_up(level: RatingLevel) -> bool:
    """A 差评 (不满意, 非常不满意) opens a follow-up; nothing else does."""
    return level.bad


class FollowUpStep(StrEnum):
    """What staff record, in this order (``STEPS``)."""

    VISIT = "visit"  # 回访: who was reached, when, what the citizen said
    RECTIFY = "rectify"  # 整改: what was put right
    FEEDBACK = "feedback"  # 反馈: what the citizen was told
    CLOSE = "close"  # 办结: closed with what was done


STEPS: tuple[FollowUpStep, ...] = tuple(FollowUpStep)


class FollowUpStage(StrEnum):
    """Where an item stands: the step it waits for, or closed."""

    VISIT = "visit"
    RECTIFY = "rectify"
    FEEDBACK = "feedback"
    CLOSE = "close"
    CLOSED = "closed"

    @property
    def awaits(self) -> FollowUpStep | None:
        return None if self is FollowUpStage.CLOSED else FollowUpStep(self.value)


FIRST_STAGE = FollowUpStage.VISIT


class FollowUpState(StrEnum):
    """What reports count: open within its term, open past it, closed."""

    OPEN = "open"
    OVERDUE = "overdue"
    CLOSED = "closed"


class StepRefusal(StrEnum):
    CLOSED = "follow_up_closed"
    OUT_OF_ORDER = "step_out_of_order"
    NOTE_REQUIRED = "note_required"
    CONTACT_REQUIRED = "contact_required"
    BAD_PHONE = "bad_phone"
    WHEN_REQUIRED = "contacted_at_required"
    WHEN_IN_FUTURE = "contacted_at_in_future"
    WHEN_BEFORE_RATING = "contacted_at_before_rating"


class StepRefused(ValueError):
    """A step that cannot be recorded; ``reason`` says why (worded by ``kiosk.messages``)."""

    def __init__(self, reason: StepRefusal, expected: FollowUpStep | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.expected = expected


def next_stage(stage: FollowUpStage, step: FollowUpStep) -> FollowUpStage:
    """The stage after ``step``; only the step the stage waits for may be recorded (a second
    manager's form sent after the first one's is refused, not recorded twice)."""
    expected = stage.awaits
    if expected is None:
        raise StepRefused(StepRefusal.CLOSED)
    if step is not expected:
        raise StepRefused(StepRefusal.OUT_OF_ORDER, expected)
    following = STEPS.index(step) + 1
    return FollowUpStage.CLOSED if following == len(STEPS) else FollowUpStage(STEPS[following])


@dataclass(frozen=True)
class StepInput:
    """A step as staff typed it (plain text, possibly with personal data in it)."""

    step: FollowUpStep
    note: str
    contact_name: str = ""
    contact_phone: str = ""
    contacted_at: datetime | None = None


@dataclass(frozen=True)
class StepRecord:
    """A step as it is kept: the note scrubbed (ID numbers and phone numbers masked), the
    person reached only as masked name and phone."""

    step: FollowUpStep
    note: str
    contact_name: str | None = None
    contact_phone: str | None = None
    contacted_at: datetime | None = None


def record_step(
    stage: FollowUpStage, given: StepInput, rated_at: datetime, now: datetime
) -> tuple[FollowUpStage, StepRecord]:
    """The stage after ``given`` and what is kept of it, or ``StepRefused``."""
    following = next_stage(stage, given.step)
    note = scrub_note(given.note)
    if note is None:
        raise StepRefused(StepRefusal.NOTE_REQUIRED)
    if given.step is not FollowUpStep.VISIT:
        return following, StepRecord(given.step, note)
    name = scrub_free_text(given.contact_name, CONTACT_MAX) or ""
    if not name:
        raise StepRefused(StepRefusal.CONTACT_REQUIRED)
    phone = given.contact_phone.strip()
    if phone and not valid_phone(phone):
        raise StepRefused(StepRefusal.BAD_PHONE)
    when = given.contacted_at
    if when is None:
        raise StepRefused(StepRefusal.WHEN_REQUIRED)
    if when > now:
        raise StepRefused(StepRefusal.WHEN_IN_FUTURE)
    if when < rated_at:
        raise StepRefused(StepRefusal.WHEN_BEFORE_RATING)
    record = StepRecord(
        given.step,
        note,
        contact_name=mask_name(name),
        contact_phone=mask_phone(phone) if phone else None,
        contacted_at=when.replace(second=0, microsecond=0),
    )
    return following, record


def scrub_note(text: str) -> str | None:
    """A note as kept: a comment's rules (``scrub_free_text``: ID numbers masked, control
    characters dropped, ``NOTE_MAX`` characters), and phone numbers masked too (staff write
    down whom they called)."""
    cleaned = scrub_free_text(text, NOTE_MAX)
    if cleaned is None:
        return None
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group()), cleaned)


class DeadlineBasis(StrEnum):
    CALENDAR = "calendar"  # counted on published holiday data
    PROVISIONAL = "provisional"  # a year drafted before the State Council's notice (暂定)
    ESTIMATED = "estimated"  # a year without data: Monday to Friday stood in (估算)


@dataclass(frozen=True)
class Deadline:
    """The last day of the term; ``year`` is the provisional or unknown year that made the
    basis less than the calendar's."""

    due: date
    basis: DeadlineBasis = DeadlineBasis.CALENDAR
    year: int | None = None

    @property
    def settled(self) -> bool:
        return self.basis is DeadlineBasis.CALENDAR


def follow_up_deadline(
    calendar: HolidayCalendar,
    hall_id: str,
    rated_on: date,
    working_days: int = FOLLOW_UP_WORKING_DAYS,
) -> Deadline:
    """The ``working_days``-th working day of the hall after ``rated_on`` (the day of the
    rating does not count). Counted again whenever it is shown, so a calendar file added later
    settles an estimated deadline."""
    day = rated_on
    counted = 0
    basis, year = DeadlineBasis.CALENDAR, None
    while counted < working_days:
        day += timedelta(days=1)
        try:
            info = calendar.info(day)
        except UnknownYear as unknown:
            working = day.weekday() < 5
            if basis is not DeadlineBasis.ESTIMATED:
                basis, year = DeadlineBasis.ESTIMATED, unknown.year
        else:
            working = info.day_type.is_working
            if info.provisional and basis is DeadlineBasis.CALENDAR:
                basis, year = DeadlineBasis.PROVISIONAL, day.year
        if working and calendar.closure(day, hall_id) is None:
            counted += 1
    return Deadline(day, basis, year)


def follow_up_state(stage: FollowUpStage, deadline: Deadline, today: date) -> FollowUpState:
    """Overdue from the day after the deadline until it is closed (an estimated deadline
    counts too: the item is flagged and the page says the date is an estimate)."""
    if stage is FollowUpStage.CLOSED:
        return FollowUpState.CLOSED
    return FollowUpState.OVERDUE if today > deadline.due else FollowUpState.OPEN


def closed_late(deadline: Deadline, closed_on: date | None) -> bool:
    return closed_on is not None and closed_on > deadline.due
