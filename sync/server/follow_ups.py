"""Ratings in the central store and the follow-ups of 差评 (回访 → 整改 → 反馈 → 办结).

A ``ticket_rated`` event becomes one ``Rating`` row per ticket of a hall (the first event for
a ticket is kept; a resent event is answered from the event log before it gets here). A 差评,
by ``kiosk.domain.follow_up.opens_follow_up``, opens a ``FollowUp`` in the same transaction,
so a rating is never kept without its follow-up. The rules of the steps, the deadline and
overdue are the domain's; this module reads and writes the rows. The deadline is counted
whenever an item is shown, by the calendar the server has then, and "today" is the hall's day
by the server's clock (``ServerSettings.now``, a fixed clock in tests).

Who sees an item is decided by the caller: ``visible(hall_id)`` is the staff member's
``acts_for``; an item of a hall they do not act for is answered exactly like one that does not
exist (404), so ids cannot be probed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, repeat

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.domain.follow_up import (
    FIRST_STAGE,
    Deadline,
    FollowUpStage,
    FollowUpState,
    StepInput,
    StepRefusal,
    StepRefused,
    closed_late,
    follow_up_deadline,
    follow_up_state,
    opens_follow_up,
    record_step,
)
from kiosk.domain.hall import HallProfile
from kiosk.domain.rating import RatingLevel, tally
from kiosk.i18n import _
from kiosk.messages import describe_step_refusal
from sync.protocol import (
    FOLLOW_UP_LIST_MAX,
    FollowUpOut,
    FollowUpStepOut,
    RatingCounts,
    RatingReport,
    TicketRatedPayload,
)
from sync.server.bookings import hall_local
from sync.server.errors import Conflict, NotFound, Refused
from sync.server.models import FollowUp, FollowUpEntry, Rating
from sync.server.settings import ServerSettings

#: How many items one list shows at most (the oldest open ones first).
LIST_LIMIT = FOLLOW_UP_LIST_MAX
#: The longest period one rating report covers.
MAX_REPORT_DAYS = 366


def check_period(from_day: date, to_day: date) -> None:
    if to_day < from_day:
        raise Refused("bad_period", _("结束日期不能早于开始日期"))
    if (to_day - from_day).days >= MAX_REPORT_DAYS:
        raise Refused("period_too_long", _("统计期间最长 {days} 天").format(days=MAX_REPORT_DAYS))


def record_rating(
    session: Session, hall: HallProfile, payload: TicketRatedPayload, received: datetime
) -> bool:
    """Keep a rating and open the follow-up of a 差评; False when the ticket has one already
    (one rating per ticket: the first one counts)."""
    if session.get(Rating, (hall.id, payload.ticket_id)) is not None:
        return False
    level = RatingLevel(payload.level)
    rated_at = hall_local(hall, payload.rated_at)
    rating = Rating(
        hall_id=hall.id,
        ticket_id=payload.ticket_id,
        day=payload.day,
        number=payload.number,
        service_id=payload.service,
        window=payload.window,
        clerk=payload.clerk,
        clerk_name=payload.clerk_name,
        level=level.value,
        bad=level.bad,
        reasons=list(payload.reasons),
        reasons_zh=list(payload.reasons_zh),
        comment=payload.comment,
        channel=payload.channel,
        served_at=hall_local(hall, payload.served_at),
        rated_at=rated_at,
        received_at=received,
    )
    try:
        # Another device's batch may rate the same ticket at the same moment: the key decides.
        with session.begin_nested():
            session.add(rating)
            session.flush()
            if opens_follow_up(level):
                session.add(
                    FollowUp(
                        hall_id=hall.id,
                        ticket_id=payload.ticket_id,
                        stage=FIRST_STAGE.value,
                        opened_at=rated_at,
                        updated_at=received,
                    )
                )
                session.flush()
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class FollowUpView:
    """An item with its rating, its steps, its deadline and its state on ``today``."""

    item: FollowUp
    rating: Rating
    steps: list[FollowUpEntry]
    deadline: Deadline
    state: FollowUpState

    @property
    def stage(self) -> FollowUpStage:
        return FollowUpStage(self.item.stage)

    @property
    def closed_late(self) -> bool:
        closed = self.item.closed_at
        return closed_late(self.deadline, closed.date() if closed is not None else None)

    def out(self) -> FollowUpOut:
        rating = self.rating
        return FollowUpOut(
            id=self.item.id,
            hall=self.item.hall_id,
            ticket_id=rating.ticket_id,
            day=rating.day,
            number=rating.number,
            service=rating.service_id,
            window=rating.window,
            clerk=rating.clerk,
            level=rating.level,  # type: ignore[arg-type]  # a str column; pydantic checks the level
            reasons=list(rating.reasons),
            rated_at=rating.rated_at,
            stage=self.stage.value,
            state=self.state.value,
            due=self.deadline.due,
            deadline_basis=self.deadline.basis.value,
            closed_at=self.item.closed_at,
            closed_late=self.closed_late,
            steps=[
                FollowUpStepOut(step=s.step, recorded_at=s.recorded_at)  # type: ignore[arg-type]  # a str column; pydantic checks it
                for s in self.steps
            ],
        )


def _views(
    session: Session, settings: ServerSettings, rows: Iterable[tuple[FollowUp, Rating]]
) -> list[FollowUpView]:
    pairs = list(rows)
    steps: dict[int, list[FollowUpEntry]] = defaultdict(list)
    ids = [item.id for item, _rating in pairs]
    if ids:
        for entry in session.scalars(
            select(FollowUpEntry)
            .where(FollowUpEntry.follow_up_id.in_(ids))
            .order_by(FollowUpEntry.id)
        ):
            steps[entry.follow_up_id].append(entry)
    today = {hall_id: settings.now(settings.halls[hall_id]).date() for hall_id in settings.halls}
    views = []
    deadlines: dict[tuple[str, date], Deadline] = {}  # items of one day share their deadline
    for item, rating in pairs:
        key = (item.hall_id, item.opened_at.date())
        deadline = deadlines.get(key)
        if deadline is None:
            deadline = deadlines[key] = follow_up_deadline(settings.calendar, *key)
        day = today.get(item.hall_id) or item.opened_at.date()
        state = follow_up_state(FollowUpStage(item.stage), deadline, day)
        views.append(FollowUpView(item, rating, steps[item.id], deadline, state))
    return views


_JOIN = (FollowUp.hall_id == Rating.hall_id) & (FollowUp.ticket_id == Rating.ticket_id)
_STATE_ORDER = {FollowUpState.OVERDUE: 0, FollowUpState.OPEN: 1, FollowUpState.CLOSED: 2}


def list_follow_ups(
    session: Session,
    settings: ServerSettings,
    hall_ids: Iterable[str],
    state: FollowUpState | None = None,
    from_day: date | None = None,
    to_day: date | None = None,
    limit: int | None = LIST_LIMIT,
) -> list[FollowUpView]:
    """The items of the halls (rated from ``from_day`` to ``to_day``), overdue first, then open,
    then closed; oldest first within each."""
    query = (
        select(FollowUp, Rating)
        .join(Rating, _JOIN)
        .where(FollowUp.hall_id.in_(list(hall_ids)))
        .order_by(FollowUp.opened_at, FollowUp.id)
    )
    if state is FollowUpState.CLOSED:
        query = query.where(FollowUp.stage == FollowUpStage.CLOSED.value)
    elif state is not None:
        query = query.where(FollowUp.stage != FollowUpStage.CLOSED.value)
    if from_day is not None:
        query = query.where(Rating.day >= from_day)
    if to_day is not None:
        query = query.where(Rating.day <= to_day)
    views = _views(session, settings, session.execute(query).tuples())
    if state is not None:
        views = [view for view in views if view.state is state]
    views.sort(key=lambda view: _STATE_ORDER[view.state])
    return views if limit is None else views[:limit]


def find_follow_up(
    session: Session,
    settings: ServerSettings,
    follow_up_id: int,
    visible: Callable[[str], bool],
    lock: bool = False,
) -> FollowUpView:
    query = select(FollowUp, Rating).join(Rating, _JOIN).where(FollowUp.id == follow_up_id)
    if lock:
        query = query.with_for_update(of=FollowUp)
    row = session.execute(query).tuples().one_or_none()
    if row is None or not visible(row[0].hall_id):
        raise NotFound("unknown_follow_up", _("没有这条差评回访记录"))
    return _views(session, settings, [row])[0]


def record_follow_up_step(
    session: Session,
    settings: ServerSettings,
    follow_up_id: int,
    visible: Callable[[str], bool],
    recorded_by: str,
    given: StepInput,
) -> FollowUpView:
    """Record the step the item waits for (the row is locked, so two managers sending the
    same step record it once: the second is told it was done); closed by the ``close`` step."""
    view = find_follow_up(session, settings, follow_up_id, visible, lock=True)
    item = view.item
    now = settings.now(settings.halls[item.hall_id])
    try:
        stage, record = record_step(view.stage, given, view.rating.rated_at, now)
    except StepRefused as refused:
        if refused.reason in (StepRefusal.CLOSED, StepRefusal.OUT_OF_ORDER):
            raise Conflict(refused.reason.value, describe_step_refusal(refused)) from None
        raise Refused(refused.reason.value, describe_step_refusal(refused)) from None
    session.add(
        FollowUpEntry(
            follow_up_id=item.id,
            step=record.step.value,
            note=record.note,
            contact_name=record.contact_name,
            contact_phone=record.contact_phone,
            contacted_at=record.contacted_at,
            recorded_by=recorded_by,
            recorded_at=now.replace(microsecond=0),
        )
    )
    item.stage = stage.value
    item.updated_at = now
    if stage is FollowUpStage.CLOSED:
        item.closed_at = now.replace(microsecond=0)
    session.flush()
    return find_follow_up(session, settings, follow_up_id, visible)


@dataclass
class _Group:
    """Ratings of a window, a clerk or the hall, counted by level, and their 差评's follow-ups
    counted by state."""

    levels: Counter[RatingLevel] = field(default_factory=Counter)
    states: Counter[FollowUpState] = field(default_factory=Counter)
    name: str | None = None

    def counts(self, **key: object) -> RatingCounts:
        summary = tally(0, chain.from_iterable(repeat(lv, n) for lv, n in self.levels.items()))
        return RatingCounts(
            **key,  # type: ignore[arg-type]  # hall/window/clerk keys, checked by pydantic
            rated=summary.rated,
            satisfied=summary.satisfied,
            bad=summary.bad,
            satisfaction=summary.satisfaction,
            follow_ups_open=self.states[FollowUpState.OPEN],
            follow_ups_overdue=self.states[FollowUpState.OVERDUE],
            follow_ups_closed=self.states[FollowUpState.CLOSED],
        )


def rating_report(
    session: Session, settings: ServerSettings, hall: HallProfile, from_day: date, to_day: date
) -> RatingReport:
    """好差评 of the days per window and per clerk, each 差评's follow-up by its state today
    (满意率 by ``kiosk.domain.rating.tally``, the rule the hall's own report uses)."""
    levels = session.execute(
        select(Rating.window, Rating.clerk, Rating.clerk_name, Rating.level, func.count())
        .where(Rating.hall_id == hall.id, Rating.day >= from_day, Rating.day <= to_day)
        .group_by(Rating.window, Rating.clerk, Rating.clerk_name, Rating.level)
    ).tuples()
    total = _Group()
    windows: dict[int | None, _Group] = defaultdict(_Group)
    clerks: dict[str | None, _Group] = defaultdict(_Group)
    for window, clerk, clerk_name, level, count in levels:
        for group in (total, windows[window], clerks[clerk]):
            group.levels[RatingLevel(level)] += count
        clerks[clerk].name = clerk_name or clerks[clerk].name
    for view in list_follow_ups(session, settings, [hall.id], None, from_day, to_day, None):
        rating = view.rating
        for group in (total, windows[rating.window], clerks[rating.clerk]):
            group.states[view.state] += 1
    return RatingReport(
        hall=hall.id,
        from_day=from_day,
        to_day=to_day,
        as_of=settings.now(hall).date(),
        total=total.counts(),
        windows=[
            group.counts(window=window)
            for window, group in sorted(windows.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ],
        clerks=[
            group.counts(clerk=clerk, clerk_name=group.name)
            for clerk, group in sorted(clerks.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        ],
    )
