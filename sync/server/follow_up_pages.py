"""The staff pages of 差评 follow-ups: the list of a manager's halls and one item's page, where
回访, 整改, 反馈 and 办结 are recorded in turn.

Needs ``Permission.FOLLOW_UP`` (hall managers for their halls, county admins for all; the desk
has none). An item is addressed by its id alone, and one of a hall the login does not act for
is answered 404 like an id that does not exist, so nobody learns another hall's items by
trying ids. Forms carry the session's CSRF token. What staff type is kept scrubbed and masked
(``kiosk.domain.follow_up.record_step``); after a refusal the note is shown again as it would
be kept, the person's name and phone are not shown again at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.domain.follow_up import (
    CONTACT_MAX,
    NOTE_MAX,
    FollowUpState,
    FollowUpStep,
    StepInput,
    scrub_note,
)
from kiosk.i18n import _
from sync.protocol import MAX_NUMBER
from sync.server.auth import Permission
from sync.server.errors import CentralError, NotFound, Refused
from sync.server.follow_ups import (
    FollowUpView,
    find_follow_up,
    list_follow_ups,
    record_follow_up_step,
)
from sync.server.pages import render
from sync.server.staff import StaffUser, central_of, check_csrf

router = APIRouter(prefix="/staff/follow-ups", include_in_schema=False)
FollowUpId = Annotated[int, Path(ge=1, le=MAX_NUMBER)]


@router.get("", response_class=HTMLResponse, response_model=None)
def follow_up_list(
    request: Request,
    staff: StaffUser,
    hall: Annotated[str, Query(max_length=64)] = "",
    state: Annotated[FollowUpState | None, Query()] = None,
) -> Response:
    """The items of the login's halls (or of one of them), overdue first."""
    staff.require_permission(Permission.FOLLOW_UP)
    store = central_of(request)
    halls = staff.visible(sorted(store.settings.halls))
    if hall:
        if hall not in halls:
            raise NotFound("unknown_hall", _("没有这个政务服务中心"))
        halls = [hall]
    with store.read_session() as session:
        views = list_follow_ups(session, store.settings, halls, state)
    context = {
        "staff": staff,
        "hall": store.settings.halls[hall] if hall else None,
        "halls": {hall_id: store.settings.halls[hall_id] for hall_id in halls},
        "views": views,
        "state": state.value if state else "",
        "states": list(FollowUpState),
    }
    return render(request, "follow_ups.html", context)


def _page(
    request: Request,
    staff: StaffUser,
    view: FollowUpView,
    error: CentralError | None = None,
    note: str = "",
) -> HTMLResponse:
    store = central_of(request)
    hall = store.settings.halls[view.item.hall_id]
    context = {
        "staff": staff,
        "hall": hall,
        "view": view,
        "service": next((s for s in hall.services if s.id == view.rating.service_id), None),
        "awaits": view.stage.awaits,
        "now": store.settings.now(hall).strftime("%Y-%m-%dT%H:%M"),
        "error": error,
        "note": note,
        "note_max": NOTE_MAX,
        "contact_max": CONTACT_MAX,
    }
    status = error.status if error is not None else 200
    return render(request, "follow_up.html", context, status_code=status)


@router.get("/{follow_up_id}", response_class=HTMLResponse, response_model=None)
def follow_up_page(request: Request, staff: StaffUser, follow_up_id: FollowUpId) -> Response:
    staff.require_permission(Permission.FOLLOW_UP)
    store = central_of(request)
    with store.read_session() as session:
        view = find_follow_up(session, store.settings, follow_up_id, staff.acts_for)
    return _page(request, staff, view)


def _moment(text: str) -> datetime | None:
    """The time of a ``datetime-local`` field (2026-11-23T10:30), None when left empty."""
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refused("bad_time", _("回访时间格式不正确")) from None


@router.post("/{follow_up_id}/steps", response_model=None)
def record(
    request: Request,
    staff: StaffUser,
    follow_up_id: FollowUpId,
    csrf: Annotated[str, Form(max_length=100)],
    step: Annotated[FollowUpStep, Form()],
    note: Annotated[str, Form(max_length=4 * NOTE_MAX)] = "",
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_phone: Annotated[str, Form(max_length=100)] = "",
    contacted_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Record the step the item waits for, then back to its page (303)."""
    check_csrf(staff, csrf)
    staff.require_permission(Permission.FOLLOW_UP)
    store = central_of(request)
    try:
        given = StepInput(step, note, contact_name, contact_phone, _moment(contacted_at))
        with store.transaction() as session:
            record_follow_up_step(
                session, store.settings, follow_up_id, staff.acts_for, staff.username, given
            )
    except CentralError as error:
        if error.status == 404:
            raise
        with store.read_session() as session:
            view = find_follow_up(session, store.settings, follow_up_id, staff.acts_for)
        return _page(request, staff, view, error, scrub_note(note) or "")
    return RedirectResponse(f"/staff/follow-ups/{follow_up_id}", status_code=303)
