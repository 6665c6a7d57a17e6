"""The home (attract) screen: what can be done here now, before anyone taps.

The card prompt is only shown when a card can be read; with the reader down it becomes "读卡器
暂停使用，请点「现场取号」或到前台". A period that gives no walk-in tickets (booking only, closed,
a holiday, before opening, ticketing over) is a banner on this screen, and 现场取号 is not offered
then: nobody taps through to a list of "no"s. With the printer out the banner says the number
will be on screen. 大字 keeps the two most needed actions.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.domain.schedule import HallState, WalkInRefusal, hall_state
from kiosk.messages import describe_closed_day
from screens.flows import answers
from screens.flows.context import Context
from screens.flows.devices import Devices
from screens.flows.view import Choice, View
from screens.icons import ACTION_ICONS


def home_view(ctx: Context, devices: Devices) -> View:
    now = ctx.now()
    walk_in = answers.walk_in_open(ctx)
    reader_down = devices.reader_down
    actions: list[Choice] = [ctx.action("have_booking", "我有预约", tone="main")]
    if walk_in:
        actions.append(ctx.action("take_ticket", "现场取号"))
    if answers.can_book(ctx, reader_down):
        actions.append(ctx.action("book", "预约办理"))
    actions.append(ctx.action("guide", "办事指南"))
    if reader_down:
        # the card cannot be read: taking a ticket (or the desk) comes first
        actions = [a for a in actions if a.name != "have_booking"]
        actions.insert(1 if walk_in else 0, ctx.action("have_booking", "我有预约"))
        if walk_in:
            actions[0] = ctx.action("take_ticket", "现场取号", tone="main")
    if ctx.elderly:
        actions = actions[:2]

    if reader_down:
        title = (
            ctx.t("读卡器暂停使用，请点「现场取号」或到前台")
            if walk_in
            else ctx.t("读卡器暂停使用，请到前台办理")
        )
        note = ""
    else:
        title = ctx.t("请将身份证放在感应区")
        note = ctx.t("预约签到、现场取号均可刷身份证") if walk_in else ctx.t("预约签到请刷身份证")
    banner = period_banner(ctx, now, walk_in)
    if devices.printer_down:
        banner = "\n".join(
            b for b in (banner, ctx.t("打印机暂停使用：取号后请记住屏幕上的号码")) if b
        )
    spoken = (title, *(line for line in banner.split("\n") if line))
    kind = "home"
    if reader_down:
        kind += ":reader_down"
    if devices.printer_down:
        kind += ":printer_down"
    if not walk_in:
        kind += ":no_walk_in"
    return View(
        screen="home",
        kind=kind,
        title=title,
        note=note,
        icon=ACTION_ICONS["reader_down" if reader_down else "card"],
        tone="fault" if reader_down else "info",
        banner=banner,
        banner_tone="warn",
        choices=tuple(actions),
        back=False,
        spoken=spoken,
    )


def period_banner(ctx: Context, now: datetime, walk_in: bool) -> str:
    """Why no walk-in ticket can be taken now, and from when; "" while walk-ins are open."""
    if walk_in:
        return ""
    plan = ctx.plan()
    if plan is None:
        return ctx.t("本机尚未配置今年的节假日安排，暂时不能取号，请到前台")
    state = hall_state(plan, now.time())
    decision = ctx.walk_in(ctx.hall.services[0], now)
    later = ""
    if decision is not None and decision.next_walk_in is not None:
        later = ctx.t("可于{when}起取号。").format(when=ctx.when(decision.next_walk_in))
    if state is HallState.CLOSED_TODAY:
        with ctx.speaking():
            return ctx.sentences(describe_closed_day(plan), later)
    if state is HallState.OPEN:
        if decision is not None and decision.reason is WalkInRefusal.BOOKING_ONLY:
            if not any(p.walk_in for p in plan.periods):
                return ctx.sentences(ctx.t("今日仅限预约，现场不取号。"), later)
            period = plan.period_at(now.time())
            span = f"{period.start:%H:%M}-{period.end:%H:%M}" if period else ""
            return ctx.sentences(
                ctx.t("当前时段（{span}）仅限预约，现场不取号。").format(span=span), later
            )
        return ctx.sentences(ctx.t("当前时段不能现场取号。"), later)
    if state is HallState.BEFORE_OPENING:
        return ctx.sentences(ctx.t("尚未开始办公。"), later)
    if state is HallState.BETWEEN_PERIODS:
        return ctx.sentences(ctx.t("当前为休息时段，暂停取号。"), later)
    if state is HallState.NATURAL_EXTENSION:
        return ctx.sentences(ctx.t("今日取号已结束，已取号的群众将继续办理。"), later)
    return ctx.sentences(ctx.t("今日服务已结束。"), later)
