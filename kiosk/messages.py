"""Citizen-facing explanations of the schedule's decisions.

Every "no" says why in one sentence and, where it can, when service is possible; the words
come from the gettext catalogues, so the kiosk, the printed slip and the CLI say the same thing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from kiosk.domain.booking_rules import (
    BookingDecision,
    BookingRefusal,
    HolderConflict,
    PlaceDecision,
    PlaceRefusal,
)
from kiosk.domain.calendar import DayType
from kiosk.domain.follow_up import (
    Deadline,
    DeadlineBasis,
    FollowUpStage,
    FollowUpState,
    FollowUpStep,
    StepRefusal,
    StepRefused,
)
from kiosk.domain.hall import Acceptance, WindowGroup
from kiosk.domain.schedule import (
    ClosedReason,
    DayPlan,
    Period,
    PeriodKind,
    WalkInDecision,
    WalkInRefusal,
)
from kiosk.i18n import _, current_language

WEEKDAYS_ZH = "一二三四五六日"


def format_day(day: date) -> str:
    """ "11月28日（周六）" (English: "Sat 28 Nov"): a date is always said with its weekday, so
    nobody has to work out which day of the week the 28th is."""
    if current_language() == "en":
        return f"{day:%a} {day.day} {day:%b}"
    return f"{day.month}月{day.day}日（周{WEEKDAYS_ZH[day.weekday()]}）"


def format_when(moment: datetime, today: date | None = None) -> str:
    """ "今天 14:30", "明天 09:00" or "11月28日（周六）09:00" (English: "today 14:30",
    "Sat 28 Nov 09:00")."""
    clock = f"{moment:%H:%M}"
    if today is not None and moment.date() == today:
        return _("今天 {time}").format(time=clock)
    if today is not None and (moment.date() - today).days == 1:
        return _("明天 {time}").format(time=clock)
    if current_language() == "en":
        return f"{format_day(moment.date())} {clock}"
    return f"{format_day(moment.date())}{clock}"


def format_slot(start: datetime, end: datetime, today: date) -> str:
    """A booked slot as people say it: "今天 10:00-10:30", "11月28日（周六）09:00-09:30"."""
    return f"{format_when(start, today)}-{end:%H:%M}"


def _next_time(decision: WalkInDecision, today: date) -> str:
    if decision.next_walk_in is None:
        return _("请留意本中心公布的办公时间。")
    return _("可于{when}起取号。").format(when=format_when(decision.next_walk_in, today))


def sentences(*parts: str) -> str:
    """Sentences one after the other: run together in Chinese, a space apart in English."""
    glue = " " if current_language() == "en" else ""
    return glue.join(part for part in parts if part)


def describe_where(groups: tuple[WindowGroup, ...]) -> str:
    """Where to go, in the current language: "一楼A区 1、2 号任一窗口；二楼D区 7 号窗口"
    ("Zone A, Floor 1: any of windows 1, 2; Zone D, Floor 2: window 7")."""
    english = current_language() == "en"
    parts = []
    for group in groups:
        numbers = (", " if english else "、").join(str(n) for n in group.windows)
        if len(group.windows) == 1:
            windows = _("{window} 号窗口").format(window=numbers)
        else:
            windows = _("{windows} 号任一窗口").format(windows=numbers)
        area = group.area_en if english and group.area_en else group.area_zh
        parts.append(_("{area} {windows}").format(area=area, windows=windows) if area else windows)
    return ("; " if english else "；").join(parts)


def describe_walk_in(decision: WalkInDecision) -> str:
    """One or two sentences for the citizen about a walk-in ticket decision."""
    today = decision.plan.day
    if decision.allowed:
        if decision.acceptance is Acceptance.MATERIALS_ONLY:
            return _("本时段该事项仅接收申请材料，审批将在工作日完成。")
        return _("可以取号。")
    reason = decision.reason
    after = _next_time(decision, today)
    if reason is WalkInRefusal.CLOSED_TODAY:
        return sentences(describe_closed_day(decision.plan), after)
    if reason is WalkInRefusal.BEFORE_OPENING:
        return sentences(_("尚未到取号时间。"), after)
    if reason is WalkInRefusal.BETWEEN_PERIODS:
        return sentences(_("当前为休息时段，暂停取号。"), after)
    if reason is WalkInRefusal.BOOKING_ONLY:
        return sentences(
            _("当前时段仅为已预约的办事群众服务，现场不取号。"), after, _("也可预约其他时段。")
        )
    if reason is WalkInRefusal.CATEGORY_NOT_ACCEPTED:
        return sentences(_("当前时段不受理该类事项。"), after)
    if reason is WalkInRefusal.TICKETING_CLOSED:
        return sentences(_("今日取号已结束；已取号的群众将继续办理完毕。"), after)
    if reason is WalkInRefusal.AFTER_CLOSING:
        return sentences(_("今日服务已结束。"), after)
    return sentences(_("暂时无法取号。"), after)


def describe_closed_day(plan: DayPlan) -> str:
    if plan.closed_reason is ClosedReason.NO_CALENDAR:
        return no_calendar_text(plan.day.year)
    if plan.closed_reason is ClosedReason.LOCAL_CLOSURE:
        reason = plan.closure_reason_en if current_language() == "en" else plan.closure_reason_zh
        return _("今日暂停服务：{reason}。").format(reason=reason or plan.closure_reason_zh)
    if plan.day_type is DayType.HOLIDAY:
        if plan.holiday_name:
            return _("今日为法定节假日（{name}），不提供服务。").format(name=plan.holiday_name)
        return _("今日为法定节假日，不提供服务。")
    return _("今日不对外办公。")


def describe_booking(decision: BookingDecision) -> str:
    """Why a booking may or may not be made; a day of a provisional year says 暂定, so nobody
    books it believing the hall's opening is settled."""
    if decision.allowed:
        return _("可以预约。") + _provisional_suffix(decision)
    reason = decision.reason
    deadline = f"{decision.deadline:%Y-%m-%d %H:%M}" if decision.deadline else ""
    texts = {
        BookingRefusal.UNKNOWN_CHANNEL: _("本中心不支持该预约方式。"),
        BookingRefusal.SERVICE_NOT_BOOKABLE: _("该事项不接受预约。"),
        BookingRefusal.CLOSED_DAY: _("该日不对外办公，不能预约。"),
        BookingRefusal.NOT_A_SLOT: _("该时间不在可预约的时段内，请选择公布的预约时段。"),
        BookingRefusal.CATEGORY_NOT_ACCEPTED: _("该时段不受理该类事项。"),
        BookingRefusal.SLOT_IN_PAST: _("该时段已开始或已过去。"),
        BookingRefusal.DEADLINE_PASSED: _("已超过预约截止时间（{deadline}）。").format(
            deadline=deadline
        ),
        BookingRefusal.TOO_FAR_AHEAD: _("超出可预约的天数范围。"),
        BookingRefusal.CHANNEL_CLOSED: _("该预约方式当前不在受理时间内。"),
        BookingRefusal.NO_CALENDAR: _("{year}年节假日安排未发布，暂不能预约该日。").format(
            year=decision.unknown_year or ""
        ),
    }
    text = texts.get(reason, _("不能预约。")) if reason else _("不能预约。")
    if decision.detail and reason is BookingRefusal.UNKNOWN_CHANNEL:
        text = f"{text} ({decision.detail})"
    return text + _provisional_suffix(decision)


def _provisional_suffix(decision: BookingDecision) -> str:
    return _("（该日节假日安排为暂定）") if decision.provisional else ""


def no_calendar_text(year: int) -> str:
    """Said of a day whose year has no holiday data: nothing about it is known yet."""
    return _("{year}年节假日安排未发布，该日办公安排待定。").format(year=year)


def provisional_text(year: int) -> str:
    """Said wherever a day of a provisional calendar file is shown or booked."""
    return _("{year}年节假日安排为暂定，以国务院办公厅通知为准。").format(year=year)


def describe_place(decision: PlaceDecision[Any]) -> str:
    """Why the slot has no place for this person (``booking_rules.place_decision``)."""
    held = decision.held
    if decision.conflict is HolderConflict.SAME_ITEM_SAME_DAY and held is not None:
        return _("您已预约{date}的该事项（{time}），无需重复预约。").format(
            date=f"{held.slot_start:%Y-%m-%d}", time=f"{held.slot_start:%H:%M}"
        )
    if decision.conflict is HolderConflict.SAME_SLOT:
        return _("此人在该时段已有预约，同一时段只能预约一项。")
    if decision.refusal is PlaceRefusal.SLOT_FULL:
        return _("该时段该事项的预约已满，请选择其他时段。")
    return _("可以预约。")


def period_label(period: Period) -> str:
    if period.kind is PeriodKind.REGULAR:
        return _("办公时间")
    if period.kind is PeriodKind.EXTENDED:
        return _("延时服务（需预约）") if period.booking_required else _("延时服务")
    return _("周末服务（需预约）") if period.booking_required else _("周末服务")


def day_type_label(day_type: DayType) -> str:
    return {
        DayType.WORKDAY: _("工作日"),
        DayType.MAKEUP_WORKDAY: _("调休工作日"),
        DayType.WEEKEND: _("周末"),
        DayType.HOLIDAY: _("法定节假日"),
        DayType.UNKNOWN: _("节假日安排未发布"),
    }[day_type]


def day_label(plan: DayPlan) -> str:
    """The kind of day with its festival, marked 暂定 when the year's calendar is a draft."""
    label = day_type_label(plan.day_type)
    if plan.holiday_name:
        label += f"·{plan.holiday_name}"
    if plan.provisional:
        label += _("（暂定）")
    return label


def hours_line(plan: DayPlan) -> str:
    """Today's hours on one line, as printed on a ticket's footer."""
    if not plan.periods:
        return describe_closed_day(plan)
    parts = []
    for period in plan.periods:
        span = f"{period.start:%H:%M}-{period.end:%H:%M}"
        parts.append(
            span if period.kind is PeriodKind.REGULAR else f"{period_label(period)} {span}"
        )
    return " · ".join(parts)


def format_duration(delta: timedelta) -> str:
    """ "3 天 1 小时", "2 小时 5 分钟", "7 分钟": how long the hall has been offline, how far a
    clock is behind."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("{days} 天 {hours} 小时").format(days=days, hours=hours)
    if hours:
        return _("{hours} 小时 {minutes} 分钟").format(hours=hours, minutes=minutes)
    return _("{minutes} 分钟").format(minutes=minutes)


# --- 差评 follow-ups (kiosk.domain.follow_up) ----------------------------------------------------

STAGE_TEXT: dict[FollowUpStage, str] = {
    FollowUpStage.VISIT: "待回访",
    FollowUpStage.RECTIFY: "待整改",
    FollowUpStage.FEEDBACK: "待反馈",
    FollowUpStage.CLOSE: "待办结",
    FollowUpStage.CLOSED: "已办结",
}
STEP_TEXT: dict[FollowUpStep, str] = {
    FollowUpStep.VISIT: "回访",
    FollowUpStep.RECTIFY: "整改",
    FollowUpStep.FEEDBACK: "反馈",
    FollowUpStep.CLOSE: "办结",
}
STATE_TEXT: dict[FollowUpState, str] = {
    FollowUpState.OPEN: "办理中",
    FollowUpState.OVERDUE: "已逾期",
    FollowUpState.CLOSED: "已办结",
}
_STEP_REFUSALS: dict[StepRefusal, str] = {
    StepRefusal.CLOSED: "该差评已办结，不能再记录",
    StepRefusal.OUT_OF_ORDER: "该步骤已由他人记录或顺序不对，请刷新页面",
    StepRefusal.NOTE_REQUIRED: "请填写情况说明",
    StepRefusal.CONTACT_REQUIRED: "请填写回访对象",
    StepRefusal.BAD_PHONE: "联系电话格式不正确",
    StepRefusal.WHEN_REQUIRED: "请填写回访时间",
    StepRefusal.WHEN_IN_FUTURE: "回访时间不能晚于现在",
    StepRefusal.WHEN_BEFORE_RATING: "回访时间不能早于评价时间",
}


def describe_step_refusal(refusal: StepRefused) -> str:
    return _(_STEP_REFUSALS[refusal.reason])


def deadline_text(deadline: Deadline) -> str:
    """The deadline as staff read it, with how far it can be trusted."""
    due = f"{deadline.due:%Y-%m-%d}"
    if deadline.basis is DeadlineBasis.ESTIMATED:
        return _("{due}（估算：{year}年节假日安排未发布，按周一至周五计）").format(
            due=due, year=deadline.year
        )
    if deadline.basis is DeadlineBasis.PROVISIONAL:
        return _("{due}（暂定：{year}年节假日安排为暂定）").format(due=due, year=deadline.year)
    return due
