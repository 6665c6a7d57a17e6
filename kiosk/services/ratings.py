"""好差评: a citizen rates a finished service, once, on the window's pad or on the phone page.

``rate`` is one transaction: it locks the ticket, checks that the service is finished and not
rated yet, stores the rating and records ``ticket_rated``, the event the central store takes
(``sync.protocol.TicketRatedPayload``). A second rating of the same ticket (the pad and the
phone at once, or a double tap) is refused: the ticket row lock serialises them and the unique
ticket id of ``ratings`` stops anything that slips past.

The clerk's console has no rating control, and a clerk sees the rating of a service only once
the window has called the next number (``previous_rating``): the citizen has left by then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.domain.rating import LEVEL_TEXT, RatingChannel, RatingLevel, scrub_comment
from kiosk.domain.statuses import TicketStatus
from kiosk.i18n import _
from kiosk.ports.hall_store import AlreadyStored, RatingRow, Store, TicketRecord, UnitOfWork
from kiosk.services.errors import QueueError

RATED_EVENT = "ticket_rated"


class RatingRefused(QueueError):
    """A rating that cannot be taken; ``code`` says why (stable for screens and the page)."""

    code = "rating_refused"

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def already_rated(number: str) -> RatingRefused:
    return RatingRefused(
        "already_rated", _("{number} 号的服务已经评价过了，感谢您！").format(number=number)
    )


@dataclass(frozen=True)
class RatingView:
    ticket_id: int
    number: str
    service_id: str
    window: int | None
    clerk: str | None
    level: RatingLevel
    reasons: tuple[str, ...]
    comment: str | None
    channel: RatingChannel
    rated_at: datetime

    @property
    def label(self) -> str:
        return _(LEVEL_TEXT[self.level])


def _view(rating: RatingRow) -> RatingView:
    return RatingView(
        rating.ticket_id,
        rating.number,
        rating.service_id,
        rating.window,
        rating.clerk,
        RatingLevel(rating.level),
        tuple(rating.reasons or ()),
        rating.comment,
        RatingChannel(rating.channel),
        rating.rated_at,
    )


def rated_payload(
    store: Store, ticket: TicketRecord, rating: RatingRow, level: RatingLevel
) -> dict[str, Any]:
    """The ``ticket_rated`` event: what the central store needs for the window's and clerk's
    review and a 差评's follow-up. No name and no ID number (the clerk is their 工号)."""
    hall = store.hall
    clerk_name = None
    if rating.clerk:
        try:
            clerk_name = hall.clerk(rating.clerk).name_zh
        except KeyError:
            clerk_name = None
    reasons = list(rating.reasons or ())
    return {
        "ticket_id": ticket.id,
        "day": ticket.day.isoformat(),
        "number": ticket.number,
        "service": ticket.service_id,
        "window": rating.window,
        "clerk": rating.clerk,
        "clerk_name": clerk_name,
        "level": level.value,
        "score": level.score,
        "bad": level.bad,
        "reasons": reasons,
        "reasons_zh": [hall.rating.reason(r).name_zh for r in reasons],
        "comment": rating.comment,
        "channel": rating.channel,
        "served_at": (ticket.finished_at or rating.rated_at).isoformat(timespec="seconds"),
        "rated_at": rating.rated_at.isoformat(timespec="seconds"),
    }


def _check_reasons(store: Store, level: RatingLevel, reasons: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(reasons))
    if chosen and not level.bad:
        raise RatingRefused("reasons_not_allowed", _("只有“不满意”和“非常不满意”需要选择原因"))
    known = {reason.id for reason in store.hall.rating.reasons}
    unknown = [reason for reason in chosen if reason not in known]
    if unknown:
        raise RatingRefused(
            "unknown_reason",
            _("未知的评价原因 {reason}；可选：{known}").format(
                reason=unknown[0], known=", ".join(sorted(known))
            ),
        )
    return chosen


def _final_ticket(uow: UnitOfWork, ticket_id: int) -> TicketRecord:
    """The ticket by id, followed through transfers to the one that was served."""
    ticket = uow.tickets.by_id(ticket_id)
    if ticket is None:
        raise RatingRefused("unknown_ticket", _("没有这张号票"))
    for _hop in range(10):
        if ticket.status != TicketStatus.TRANSFERRED.value:
            return ticket
        moved = uow.tickets.transferred_to(ticket.id)
        if moved is None:
            return ticket
        ticket = uow.tickets.by_id(moved.id) or moved
    return ticket


def rate(
    store: Store,
    ticket_id: int,
    level: RatingLevel | str,
    now: datetime,
    *,
    channel: RatingChannel | str,
    reasons: Sequence[str] = (),
    comment: str | None = None,
) -> RatingView:
    """Take one citizen's rating of the service of ``ticket_id`` (followed through transfers)."""
    try:
        level = RatingLevel(level)
        channel = RatingChannel(channel)
    except ValueError as error:
        raise RatingRefused("bad_level", str(error)) from None
    chosen = _check_reasons(store, level, reasons)
    text = scrub_comment(comment)
    if text is not None and channel is not RatingChannel.PHONE:
        raise RatingRefused("comment_not_allowed", _("留言请在手机页面填写"))
    try:
        with store.unit() as uow:
            ticket = _final_ticket(uow, ticket_id)
            if ticket.status != TicketStatus.DONE.value or ticket.finished_at is None:
                raise RatingRefused(
                    "not_finished",
                    _("{number} 号的服务尚未办结，办结后可以评价").format(number=ticket.number),
                )
            if uow.ratings.of_ticket(ticket.id) is not None:
                raise already_rated(ticket.number)
            limit = timedelta(hours=store.hall.rating.phone_hours)
            if channel is RatingChannel.PHONE and now > ticket.finished_at + limit:
                raise RatingRefused(
                    "too_late",
                    _("已超过评价期限（办结后 {hours} 小时）").format(
                        hours=store.hall.rating.phone_hours
                    ),
                )
            rating = uow.ratings.add(
                {
                    "hall_id": store.hall.id,
                    "ticket_id": ticket.id,
                    "day": ticket.day,
                    "number": ticket.number,
                    "service_id": ticket.service_id,
                    "window": ticket.window,
                    "clerk": ticket.clerk,
                    "level": level.value,
                    "reasons": chosen,
                    "comment": text,
                    "channel": channel.value,
                    "rated_at": now,
                },
            )
            uow.events.add(
                RATED_EVENT,
                now,
                rated_payload(store, ticket, rating, level),
                store.terminal,
            )
            return _view(rating)
    except AlreadyStored:  # the other channel rated it a moment before (unique ticket id)
        raise already_rated(str(ticket_id)) from None


def rating_for(store: Store, ticket_id: int) -> RatingView | None:
    with store.read_unit() as uow:
        ticket = _final_ticket(uow, ticket_id)
        rating = uow.ratings.of_ticket(ticket.id)
        return _view(rating) if rating is not None else None


def previous_rating(store: Store, window: int, now: datetime) -> RatingView | None:
    """What a window's clerk may see: the newest rating of a service finished before the
    window's current ticket was called (the rated citizen has left by then)."""
    with store.read_unit() as uow:
        current = uow.tickets.current(window, now.date(), for_update=False)
        if current is None or current.called_at is None:
            return None
        rating = uow.ratings.last_before(window, current.called_at)
        return _view(rating) if rating is not None else None
