"""Every "no" and every notice the kiosk gives, each with its reason and a next step.

A message view says what happened in one or two sentences, in plain words (no 即办类/承办类),
dates with their weekday, and offers only next steps that can be taken now: a walk-in ticket
when walk-ins are open (for the very service, in one tap, when it is known), a booking when the
reader can read the card to confirm it, the guide, the front desk. The spoken lines are the
title, the reason and the choices.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.domain.hall import Acceptance, Service
from kiosk.domain.schedule import WalkInDecision, WalkInRefusal
from kiosk.messages import describe_booking, describe_walk_in
from kiosk.ports.card_reader import CardExpired, CardUnreadable, InvalidCardData, ReaderOffline
from kiosk.services import BookingResult, CheckInOutcome, CheckInResult, TicketView
from kiosk.services.errors import QueueError
from screens.flows.context import Context
from screens.flows.devices import staff_line
from screens.flows.view import Choice, Tone, View
from screens.icons import ACTION_ICONS


def message(
    ctx: Context,
    kind: str,
    title: str,
    body: str,
    choices: Sequence[Choice] = (),
    *,
    tone: Tone = "warn",
    icon: str = "",
    staff: str = "",
) -> View:
    if ctx.elderly:
        choices = list(choices)[:2]
    return View(
        screen="message",
        kind=kind,
        title=title,
        body=body,
        choices=tuple(choices),
        tone=tone,
        icon=icon or ACTION_ICONS[tone],
        staff_line=staff,
        back=True,
        spoken=spoken(ctx, title, body, choices),
    )


def spoken(ctx: Context, title: str, body: str, choices: Sequence[Choice] = ()) -> tuple[str, ...]:
    """What is said for a message: its title, its reason, then the choices by name."""
    lines = [title, body] if body else [title]
    names = [c.label for c in choices if c.enabled]
    if names:
        lines.append(ctx.t("您可以选择：") + ctx.t("、").join(names) + ctx.t("。"))
    return tuple(line for line in lines if line)


# -- next steps ------------------------------------------------------------------------------


def walk_in_open(ctx: Context, service: Service | None = None) -> bool:
    services = [service] if service is not None else list(ctx.hall.services)
    for candidate in services:
        decision = ctx.walk_in(candidate)
        if decision is not None and decision.allowed:
            return True
    return False


def can_book(ctx: Context, reader_down: bool, service: Service | None = None) -> bool:
    """A booking is confirmed with the card, so none is offered while the reader is down."""
    if reader_down:
        return False
    if service is not None:
        return service.bookable
    return any(s.bookable for s in ctx.hall.services)


def next_steps(
    ctx: Context,
    *,
    reader_down: bool,
    service: Service | None = None,
    walk_in: bool = True,
    book: bool = True,
    guide: bool = False,
    desk: bool = True,
) -> list[Choice]:
    """The concrete next steps possible now, in the order people need them."""
    steps: list[Choice] = []
    if walk_in and walk_in_open(ctx, service):
        if service is not None:
            steps.append(
                ctx.action(
                    f"walk_in:{service.id}",
                    "现场取号",
                    note=ctx.service_name(service),
                    tone="main",
                )
            )
        else:
            steps.append(ctx.action("take_ticket", "现场取号", tone="main"))
    if book and can_book(ctx, reader_down, service):
        name = f"book:{service.id}" if service is not None else "book"
        steps.append(ctx.action(name, "预约办理"))
    if guide:
        name = f"guide:{service.id}" if service is not None else "guide"
        steps.append(ctx.action(name, "办事指南"))
    if desk:
        steps.append(ctx.action("desk", "到前台"))
    return steps


# -- check-in outcomes ----------------------------------------------------------------------


def check_in_answer(ctx: Context, result: CheckInResult, reader_down: bool) -> View:
    """A check-in that gave no (new) ticket to show, said from the result's facts in the
    language on screen now."""
    outcome = result.outcome
    booking = result.booking
    service = _service(ctx, booking.service_id) if booking is not None else None
    item = ctx.t("（{item}）").format(item=ctx.service_name(service)) if service else ""
    if outcome is CheckInOutcome.TOO_EARLY and booking is not None:
        opens = result.come_back_at or booking.slot_start
        body = ctx.t("您预约的是{slot}，请于{when}后再来签到。").format(
            slot=ctx.slot(booking.slot_start, booking.slot_end) + item, when=ctx.when(opens)
        )
        steps = next_steps(ctx, reader_down=reader_down, service=service, book=False)
        if steps and steps[0].name.startswith("walk_in"):
            body = ctx.sentences(body, ctx.t("如不想等候，现在也可以现场取号（不按预约优先）。"))
        return message(
            ctx, "too_early", ctx.t("还未到签到时间"), body, steps, icon=ACTION_ICONS["early"]
        )
    if outcome is CheckInOutcome.TOO_LATE and booking is not None:
        body = ctx.t("您预约的{slot}已过，预约视为自动放弃。").format(
            slot=ctx.slot(booking.slot_start, booking.slot_end) + item
        )
        decision = result.walk_in
        if decision is not None and decision.allowed:
            body = ctx.sentences(body, ctx.t("现在可以现场取号办理。"))
        elif decision is not None:
            with ctx.speaking():
                body = ctx.sentences(body, describe_walk_in(decision))
        steps = next_steps(ctx, reader_down=reader_down, service=service)
        return message(ctx, "too_late", ctx.t("预约时段已过"), body, steps)
    if outcome is CheckInOutcome.OTHER_HALL and booking is not None:
        slot = ctx.slot(booking.slot_start, booking.slot_end)
        if booking.hall_id != ctx.hall.id:
            kind, title = "other_hall", ctx.t("预约不在本中心")
            body = ctx.t("您的预约不在本中心（{slot}），请前往预约的服务中心办理。").format(
                slot=slot
            )
            service = None
        else:
            kind, title = "other_day", ctx.t("您的预约不在今天")
            body = ctx.t("您的预约不是今天，而是{slot}，请按预约时间前来。").format(
                slot=slot + item
            )
        steps = next_steps(ctx, reader_down=reader_down, service=service, book=False)
        return message(ctx, kind, title, body, steps, icon=ACTION_ICONS["day"])
    if outcome is CheckInOutcome.CANCELLED and booking is not None:
        body = ctx.t("您今天{slot}的预约已取消。").format(
            slot=ctx.slot(booking.slot_start, booking.slot_end) + item
        )
        steps = next_steps(ctx, reader_down=reader_down, service=service)
        return message(ctx, "cancelled", ctx.t("预约已取消"), body, steps)
    if outcome is CheckInOutcome.ALREADY_CHECKED_IN and result.ticket is not None:
        body = ctx.t("您今天的预约已办理完毕（{number} 号）。").format(number=result.ticket.number)
        steps = next_steps(ctx, reader_down=reader_down, book=False)
        return message(
            ctx, "already_served", ctx.t("您今天的预约已办理完毕"), body, steps, tone="ok"
        )
    # no booking
    body = ctx.t("未找到您今天在本中心的预约。")
    steps = next_steps(ctx, reader_down=reader_down)
    names = {s.name for s in steps}
    if "take_ticket" in names and "book" in names:
        body = ctx.sentences(body, ctx.t("您可以现场取号，或预约其他时段。"))
    elif "take_ticket" in names:
        body = ctx.sentences(body, ctx.t("您可以现场取号。"))
    elif "book" in names:
        body = ctx.sentences(body, ctx.t("现在不能现场取号，您可以预约其他时段。"))
    return message(
        ctx, "no_booking", ctx.t("未找到您的预约"), body, steps, tone="info",
        icon=ACTION_ICONS["unknown"],
    )  # fmt: skip


def _service(ctx: Context, service_id: str) -> Service | None:
    try:
        return ctx.hall.service(service_id)
    except KeyError:
        return None


# -- walk-in refusals ------------------------------------------------------------------------


def walk_in_refusal(
    ctx: Context, service: Service | None, decision: WalkInDecision | None, reader_down: bool
) -> View:
    """Why no walk-in ticket now, when there will be one, and what can be done instead."""
    if decision is None:
        return unknown_year(ctx, reader_down)
    with ctx.speaking():
        body = describe_walk_in(decision)
    reason = decision.reason.value if decision.reason else "refused"
    closed = decision.reason in (WalkInRefusal.CLOSED_TODAY, WalkInRefusal.AFTER_CLOSING)
    steps = next_steps(ctx, reader_down=reader_down, service=service, walk_in=False, guide=closed)
    if not closed and service is not None and walk_in_open(ctx):
        steps.insert(0, ctx.action("take_ticket", "现场取号", note=ctx.t("其他事项")))
    title = ctx.t("现在不能取号")
    if decision.reason is WalkInRefusal.BOOKING_ONLY:
        title = ctx.t("当前时段仅限预约")
    elif decision.reason is WalkInRefusal.CLOSED_TODAY:
        title = ctx.t("今日不办公")
    icon = ACTION_ICONS["closed"] if closed else ACTION_ICONS["early"]
    return message(ctx, f"refused:{reason}", title, body, steps, icon=icon)


def unknown_year(ctx: Context, reader_down: bool) -> View:
    body = ctx.t("本机尚未配置今年的节假日安排，暂时不能取号。请到前台，工作人员会为您办理。")
    return message(
        ctx,
        "refused:no_calendar",
        ctx.t("暂时不能取号"),
        body,
        next_steps(ctx, reader_down=reader_down, walk_in=False, book=False),
        tone="fault",
    )


def already_waiting(ctx: Context, ticket: TicketView) -> str:
    return ctx.t("您已持有 {number} 号（{service}），请耐心等候叫号。").format(
        number=ticket.number, service=ctx.pick(ticket.service_name_zh, ticket.service_name_en)
    )


def acceptance_note(ctx: Context, decision: WalkInDecision | None) -> tuple[str, bool]:
    """A service button's note on the walk-in list, and whether a ticket is possible now."""
    if decision is None or not decision.allowed:
        return ctx.t("现在不能取号，点此查看原因"), False
    if decision.acceptance is Acceptance.MATERIALS_ONLY:
        return ctx.t("本时段只收材料"), True
    return ctx.t("可取号"), True


def period_explanation(ctx: Context) -> str:
    """A weekend period takes some items in full and only the materials of others: said with
    the services' own names, never the rules' category words."""
    plan = ctx.plan()
    now = ctx.now()
    period = plan.period_at(now.time()) if plan is not None else None
    if period is None or period.categories is None:
        return ""
    served, materials = [], []
    for service in ctx.hall.services:
        acceptance = period.acceptance(service.category)
        if acceptance is Acceptance.SERVE:
            served.append(ctx.service_name(service))
        elif acceptance is Acceptance.MATERIALS_ONLY:
            materials.append(ctx.service_name(service))
    join = ctx.t("、").join
    return ctx.sentences(
        ctx.t("本时段可当场办理：{items}。").format(items=join(served)) if served else "",
        ctx.t("{items}本时段只收材料，审批在工作日完成。").format(items=join(materials))
        if materials
        else "",
    )


# -- bookings --------------------------------------------------------------------------------


def booking_refusal(ctx: Context, result: BookingResult, service: Service, down: bool) -> View:
    if result.reason == "slot_full":
        body = ctx.t("该时段已约满，请选择其他时段。")
    elif result.decision is not None:
        with ctx.speaking():
            body = describe_booking(result.decision)
    else:
        body = result.message
    steps = next_steps(ctx, reader_down=down, service=service, book=False)
    steps.insert(0, ctx.action(f"book:{service.id}", "重新选择时段", tone="main"))
    return message(ctx, f"booking_refused:{result.reason}", ctx.t("未能预约"), body, steps)


def no_slots(ctx: Context, service: Service, reader_down: bool, note: str = "") -> View:
    body = ctx.sentences(ctx.t("近期没有可预约的时段。"), note)
    if ctx.hall.phone:
        phone = ctx.t("可拨打本中心电话 {phone} 咨询。").format(phone=ctx.hall.phone)
        body = ctx.sentences(body, phone)
    steps = next_steps(ctx, reader_down=reader_down, service=service, book=False, guide=True)
    return message(ctx, "no_slots", ctx.t("近期没有可预约的时段"), body, steps)


# -- devices, the card, the store, the desk -------------------------------------------------


def reader_down(ctx: Context, for_booking: bool = False) -> View:
    """我有预约 (or a booking's confirmation) with the reader down: said at once."""
    if for_booking:
        body = ctx.t("预约需要读取身份证确认，读卡器暂停使用。请到前台预约。")
        steps = next_steps(ctx, reader_down=True, book=False)
    else:
        body = ctx.t("现在不能刷身份证签到。请到前台，工作人员会为您签到。")
        steps = next_steps(ctx, reader_down=True, book=False)
        if steps and steps[0].name == "take_ticket":
            body = ctx.sentences(body, ctx.t("也可以直接现场取号。"))
    return message(
        ctx, "reader_down", ctx.t("读卡器暂停使用"), body, steps, tone="fault",
        icon=ACTION_ICONS["reader_down"],
    )  # fmt: skip


def card_error(ctx: Context, error: Exception, reader_down_now: bool) -> View:
    steps = next_steps(ctx, reader_down=reader_down_now, book=False)
    with ctx.speaking():
        if isinstance(error, ReaderOffline):
            return reader_down(ctx)
        if isinstance(error, CardExpired):
            title = error.headline()
            expired = ctx.t("过期证件不能签到或预约。")
            if steps and steps[0].name == "take_ticket":
                then = ctx.t("您可以现场取号，或到前台由工作人员核验。")
            else:
                then = ctx.t("请到前台由工作人员核验。")
            body = ctx.sentences(error.detail + ctx.t("。"), expired, then)
            return message(ctx, "card_expired", title, body, steps, icon=ACTION_ICONS["card_bad"])
        if isinstance(error, CardUnreadable):
            title = error.headline()
            body = ctx.t("请将证件平放在感应区，不要移动，直到屏幕提示。")
        elif isinstance(error, InvalidCardData):
            title = error.headline()
            body = ctx.t("本机无法识别该证件，工作人员可为您人工核验。")
        else:
            title, body = ctx.t("读卡失败"), ctx.t("请重新放置证件，或到前台咨询。")
    return message(ctx, "card_error", title, body, steps, icon=ACTION_ICONS["card_bad"])


def job_failed(ctx: Context, error: Exception, reader_down_now: bool) -> View:
    """A store job that raised: the queue's own refusal said as it is, anything else (the
    store itself failing) as a fault for staff."""
    if isinstance(error, QueueError):
        return queue_refusal(ctx, error, reader_down_now)
    return store_fault(ctx, error)


def store_fault(ctx: Context, error: Exception) -> View:
    """The store refused a job (full disk, damaged file, the clock refused...): the citizen is
    sent to the desk in plain words; the line for staff names the fault, never a traceback."""
    body = ctx.t("本机暂时无法取号。请到前台，工作人员会为您人工取号，给您带来不便，敬请谅解。")
    return message(
        ctx,
        "store_fault",
        ctx.t("系统暂时无法办理"),
        body,
        [ctx.action("desk", "到前台", tone="main")],
        tone="fault",
        icon=ACTION_ICONS["store_down"],
        staff=ctx.t("工作人员：") + staff_line(error),
    )


def queue_refusal(ctx: Context, error: Exception, reader_down_now: bool) -> View:
    """A request the queue itself refused (an unknown service after a hall-file change)."""
    steps = next_steps(ctx, reader_down=reader_down_now, book=False)
    return message(ctx, "queue_error", ctx.t("暂时无法办理"), str(error), steps)


def desk(ctx: Context) -> View:
    body = ctx.t("请到服务大厅的前台（咨询服务台），工作人员会为您办理。")
    if ctx.hall.phone:
        body = ctx.sentences(body, ctx.t("咨询电话：{phone}").format(phone=ctx.hall.phone))
    return message(ctx, "desk", ctx.t("请到前台"), body, (), tone="info", icon=ACTION_ICONS["desk"])
