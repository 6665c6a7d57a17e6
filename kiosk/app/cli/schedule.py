"""``kiosk halls``, ``kiosk hours`` and ``kiosk can-book``: questions about the published rules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from kiosk.app.cli.common import add_json_flag, format_minute, parse_date, parse_minute, print_json
from kiosk.clock import HallClock
from kiosk.config import load_calendar, load_hall, load_halls
from kiosk.domain.booking_rules import booking_decision
from kiosk.domain.calendar import HolidayCalendar, UnknownYear
from kiosk.domain.hall import HallProfile
from kiosk.domain.schedule import DayPlan, day_plan
from kiosk.errors import ExitCode
from kiosk.i18n import _
from kiosk.messages import (
    day_label,
    describe_booking,
    describe_closed_day,
    period_label,
    provisional_text,
)

WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAY_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    halls = subparsers.add_parser("halls", help="list the shipped hall profiles")
    add_json_flag(halls)
    halls.set_defaults(handler=run_halls)

    hours = subparsers.add_parser("hours", help="a hall's opening plan for a day or a week")
    target = hours.add_mutually_exclusive_group(required=True)
    target.add_argument("--hall", help="hall id (see `kiosk halls`)")
    target.add_argument("--all", action="store_true", help="every shipped hall")
    hours.add_argument("--date", type=parse_date, help="YYYY-MM-DD (default: today)")
    hours.add_argument("--week", action="store_true", help="the week (Mon-Sun) around the date")
    add_json_flag(hours)
    hours.set_defaults(handler=run_hours)

    can_book = subparsers.add_parser("can-book", help="may a slot be booked at an instant?")
    can_book.add_argument("--hall", required=True, help="hall id")
    can_book.add_argument("--slot", required=True, type=parse_minute, help="YYYY-MM-DDTHH:MM")
    can_book.add_argument("--now", required=True, type=parse_minute, help="YYYY-MM-DDTHH:MM")
    can_book.add_argument("--channel", help="phone | online | on_site | kiosk")
    can_book.add_argument("--service", help="service id (see `kiosk services`)")
    add_json_flag(can_book)
    can_book.set_defaults(handler=run_can_book)


def run_halls(args: argparse.Namespace) -> int:
    halls = load_halls()
    if args.json:
        print_json(
            [{"id": h.id, "name_zh": h.name_zh, "name_en": h.name_en} for h in halls.values()]
        )
        return ExitCode.OK
    width = max(len(h.id) for h in halls.values())
    print(f"{'编号 id':<{width}}  名称 / name")
    for hall in halls.values():
        print(f"{hall.id:<{width}}  {hall.name_zh} / {hall.name_en}")
    return ExitCode.OK


def hall_today(hall: HallProfile) -> date:
    return HallClock(hall.timezone).now().date()


def week_plans(hall: HallProfile, day: date, calendar: HolidayCalendar) -> list[DayPlan]:
    """The plans of the week (Monday to Sunday) that holds ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [day_plan(hall, monday + timedelta(days=i), calendar) for i in range(7)]


def run_hours(args: argparse.Namespace) -> int:
    halls = list(load_halls().values()) if args.all else [load_hall(args.hall)]
    calendar = load_calendar()
    documents: list[Any] = []
    shown: list[DayPlan] = []
    for hall in halls:
        day = args.date or hall_today(hall)
        if args.week:
            plans = week_plans(hall, day, calendar)
            documents.append({"hall": hall.id, "days": [p.as_dict() for p in plans]})
            if not args.json:
                print(week_notice(hall, plans))
        else:
            plans = [day_plan(hall, day, calendar)]
            documents.append(plans[0].as_dict())
            if not args.json:
                print(day_table(hall, plans[0]))
        shown += plans
    if args.json:
        print_json(documents if args.all else documents[0])
    warn_unknown_years(calendar, shown)
    return ExitCode.OK


def warn_unknown_years(calendar: HolidayCalendar, plans: Iterable[DayPlan]) -> None:
    """Known days are shown; for the unknown ones, the operator is told on stderr what to do."""
    for year in sorted({p.day.year for p in plans if not p.calendar_known}):
        print(f"kiosk: {UnknownYear(year, calendar.directory_hint)}", file=sys.stderr)


def _period_rows(plan: DayPlan) -> list[str]:
    rows = []
    for period in plan.periods:
        walk_in = _("可现场取号") if period.walk_in else _("仅限预约")
        rows.append(f"  {period.start:%H:%M}-{period.end:%H:%M}  {period_label(period)}  {walk_in}")
    return rows


def day_table(hall: HallProfile, plan: DayPlan) -> str:
    weekday = plan.day.weekday()
    lines = [
        f"{hall.name_zh} / {hall.name_en}",
        f"{plan.day.isoformat()} {WEEKDAY_ZH[weekday]} {WEEKDAY_EN[weekday]} · "
        f"{day_label(plan)} ({plan.day_type.value})",
    ]
    if plan.periods:
        lines.append("  时段 time     类别 kind          取号 walk-in")
        lines += _period_rows(plan)
        if plan.natural_extension:
            lines.append(
                "  "
                + _("闭厅后，已在现场等候的群众将继续办理直至完毕（自然延时）。")
                + " / natural extension after closing"
            )
    else:
        lines.append("  " + describe_closed_day(plan))
    if plan.provisional:
        lines.append("  " + provisional_text(plan.day.year))
    return "\n".join(lines)


def week_notice(hall: HallProfile, plans: list[DayPlan]) -> str:
    """The posted notice of office and extended hours that the rules require in the hall."""
    first, last = plans[0].day, plans[-1].day
    lines = [
        "=" * 64,
        f"{hall.name_zh}  办公时间及延时服务时间公示",
        f"{hall.name_en} — office and extended hours",
        f"{first.isoformat()} — {last.isoformat()}",
        "-" * 64,
    ]
    for plan in plans:
        weekday = plan.day.weekday()
        head = f"{plan.day:%m-%d} {WEEKDAY_ZH[weekday]} {WEEKDAY_EN[weekday]}"
        label = day_label(plan)
        if not plan.calendar_known:
            lines.append(f"{head}  {label}  " + _("办公安排待定"))
            continue
        if not plan.periods:
            lines.append(f"{head}  {label}  {describe_closed_day(plan)}")
            continue
        lines.append(f"{head}  {label}")
        lines += ["    " + row.strip() for row in _period_rows(plan)]
    lines.append("-" * 64)
    for year in sorted({p.day.year for p in plans if not p.calendar_known}):
        lines.append(
            _("{year}年节假日安排尚未发布，相关日期的办公安排发布后另行公示。").format(year=year)
        )
    for year in sorted({p.day.year for p in plans if p.provisional}):
        lines.append(provisional_text(year))
    if hall.natural_extension:
        lines.append(_("工作日闭厅时已在现场等候的群众，将继续办理直至完毕。"))
    channels = "、".join(c.name_zh for c in hall.channels)
    lines.append(_("预约方式：{channels}").format(channels=channels))
    lead = hall.booking.lead
    if lead.kind == "hours_before":
        lines.append(_("请至少提前 {hours} 小时预约。").format(hours=lead.hours))
    else:
        assert lead.cutoff is not None
        lines.append(_("请于前一个工作日 {cutoff} 前预约。").format(cutoff=f"{lead.cutoff:%H:%M}"))
    if hall.phone:
        lines.append(_("预约及咨询电话：{phone}").format(phone=hall.phone))
    lines.append("=" * 64)
    return "\n".join(lines)


def run_can_book(args: argparse.Namespace) -> int:
    hall = load_hall(args.hall)
    calendar = load_calendar()
    service = None
    if args.service:
        try:
            service = hall.service(args.service)
        except KeyError:
            from kiosk.app.cli.common import CliError

            known = ", ".join(s.id for s in hall.services)
            raise CliError(f"unknown service {args.service!r}; known: {known}") from None
    decision = booking_decision(
        hall, args.slot, args.now, calendar, channel=args.channel, service=service
    )
    document: dict[str, Any] = {
        "allowed": decision.allowed,
        "deadline": format_minute(decision.deadline) if decision.deadline else None,
        "reason": describe_booking(decision),
    }
    if decision.provisional:
        document["provisional"] = True
    if args.json:
        print_json(document)
    else:
        verdict = "可以预约 / allowed" if decision.allowed else "不能预约 / not allowed"
        print(f"{verdict}: {document['reason']}")
        if document["deadline"]:
            print(f"预约截止 deadline: {document['deadline']}")
    return ExitCode.OK
