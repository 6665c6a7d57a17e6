"""The booking desk's pages: phone and on-site bookings taken by staff, listed and cancelled.

Server-rendered and usable without JavaScript (the only script copies the confirmation text).
A booking made here goes through the same rules as the API; the confirmation page shows the
full materials list so staff can read it out (一次性告知) and print or copy it for the applicant.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from kiosk.domain.calendar import HolidayCalendar, UnknownYear
from kiosk.domain.hall import ChannelId, HallProfile
from kiosk.i18n import _
from kiosk.messages import no_calendar_text, provisional_text
from sync.protocol import BookingCreate, BookingStatus, Channel, CitizenCancel, HallCancel
from sync.server import bookings as booking_cases
from sync.server.app import Central
from sync.server.auth import StaffPrincipal, log_in, log_out, staff_for
from sync.server.errors import CentralError, Forbidden
from sync.server.models import Booking

COOKIE = "hk_staff"
DESK_CHANNELS = (ChannelId.PHONE, ChannelId.ON_SITE)

router = APIRouter(prefix="/staff", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals["_"] = _
templates.env.globals["status_label"] = booking_cases.status_label


def _central(request: Request) -> Central:
    return request.app.state.central  # type: ignore[no-any-return]


def _staff(request: Request) -> StaffPrincipal | None:
    with _central(request).transaction() as session:
        return staff_for(session, request.cookies.get(COOKIE))


def _login_redirect(request: Request) -> RedirectResponse:
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return RedirectResponse(f"/staff/login?next={target}", status_code=303)


def _check_csrf(staff: StaffPrincipal, token: str) -> None:
    if token != staff.csrf_token:
        raise Forbidden("bad_csrf", _("页面已过期，请刷新后重试"))


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/staff/") -> HTMLResponse:
    return _render(request, "login.html", {"next": next, "error": None, "staff": None})


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/staff/",
) -> Response:
    store = _central(request)
    with store.transaction() as session:
        tokens = log_in(session, username, password, store.settings.staff_session_hours)
    if tokens is None:
        context = {"next": next, "error": _("用户名或密码错误"), "staff": None}
        return _render(request, "login.html", context, status_code=401)
    target = next if next.startswith("/staff/") else "/staff/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        tokens[0],
        httponly=True,
        samesite="strict",
        secure=store.settings.secure_cookies,
        max_age=store.settings.staff_session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    with _central(request).transaction() as session:
        log_out(session, request.cookies.get(COOKIE))
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/", response_class=HTMLResponse, response_model=None)
def halls(request: Request) -> Response:
    staff = _staff(request)
    if staff is None:
        return _login_redirect(request)
    store = _central(request)
    halls = sorted(store.settings.halls.values(), key=lambda h: h.id)
    return _render(request, "halls.html", {"staff": staff, "halls": halls})


def _desk_channels(hall: HallProfile) -> list[Any]:
    return [c for c in hall.channels if c.id in DESK_CHANNELS]


def _booking_form(
    request: Request,
    staff: StaffPrincipal,
    hall: HallProfile,
    service_id: str | None,
    day: date | None,
    error: CentralError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    store = _central(request)
    today = store.settings.now(hall).date()
    days = [today + timedelta(days=n) for n in range(hall.booking.days_ahead + 1)]
    service = None
    if service_id:
        service = booking_cases.hall_service(hall, service_id)
    day = day or today + timedelta(days=1)
    channels = _desk_channels(hall)
    channel = (values or {}).get("channel") or (channels[0].id.value if channels else "")
    slots = []
    # The day's calendar, said above the slots: a year without holiday data has no slots
    # (the desk is told why), a provisional year's slots are marked 暂定.
    calendar_note, known = calendar_note_of(store.settings.calendar, day)
    if service is not None and known:
        with store.transaction() as session:
            slots = booking_cases.slots_of_day(
                session, store.settings, hall, service, day, channel or None
            )
    context = {
        "staff": staff,
        "hall": hall,
        "service": service,
        "day": day,
        "days": days,
        "slots": slots,
        "channels": channels,
        "channel": channel,
        "error": error,
        "values": values or {},
        "calendar_note": calendar_note,
        "day_notes": _day_notes(store.settings.calendar, days),
    }
    status = error.status if error is not None else 200
    return _render(request, "book.html", context, status_code=status)


def calendar_note_of(calendar: HolidayCalendar, day: date) -> tuple[str, bool]:
    """What the desk must say about the day's holiday data, and whether there is any."""
    try:
        provisional = calendar.info(day).provisional
    except UnknownYear:
        return no_calendar_text(day.year), False
    return (provisional_text(day.year) if provisional else ""), True


def _day_notes(calendar: HolidayCalendar, days: list[date]) -> dict[date, str]:
    """Beside each date of the picker: 暂定 or 节假日安排未发布 where the calendar says so."""
    notes = {}
    for day in days:
        try:
            provisional = calendar.info(day).provisional
        except UnknownYear:
            notes[day] = _("节假日安排未发布")
            continue
        if provisional:
            notes[day] = _("暂定")
    return notes


@router.get("/halls/{hall_id}/book", response_class=HTMLResponse, response_model=None)
def booking_page(
    request: Request, hall_id: str, service: str | None = None, day: date | None = None
) -> Response:
    staff = _staff(request)
    if staff is None:
        return _login_redirect(request)
    hall = booking_cases.hall_profile(_central(request).settings, hall_id)
    return _booking_form(request, staff, hall, service, day)


@router.post("/halls/{hall_id}/book", response_model=None)
def book(
    request: Request,
    hall_id: str,
    csrf: Annotated[str, Form()],
    service: Annotated[str, Form()],
    day: Annotated[date, Form()],
    channel: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    slot: Annotated[str, Form()] = "",
) -> Response:
    staff = _staff(request)
    if staff is None:
        return _login_redirect(request)
    _check_csrf(staff, csrf)
    store = _central(request)
    hall = booking_cases.hall_profile(store.settings, hall_id)
    # The ID number is never sent back into the page: staff type it again after an error.
    values = {"name": name, "phone": phone, "slot": slot, "channel": channel}
    try:
        if channel not in {c.id.value for c in _desk_channels(hall)}:
            raise CentralError("bad_channel", _("请选择电话预约或现场预约"))
        if not slot:
            raise CentralError("no_slot", _("请选择预约时段"))
        try:
            request_model = BookingCreate(
                service=service,
                slot_start=datetime.fromisoformat(slot),
                channel=Channel(channel),
                name=name,
                id_number=id_number,
                phone=phone,
            )
        except (ValidationError, ValueError):
            raise CentralError("invalid_form", _("请完整填写姓名、身份证号码和联系电话")) from None
        with store.transaction() as session:
            booking, _created = booking_cases.create_booking(
                session, store.settings, hall.id, request_model, f"staff:{staff.username}"
            )
    except CentralError as error:
        return _booking_form(request, staff, hall, service, day, error, values)
    return RedirectResponse(f"/staff/halls/{hall.id}/bookings/{booking.id}", status_code=303)


def confirmation_text(hall: HallProfile, booking: Booking, calendar_note: str = "") -> str:
    """The confirmation read out on the phone and given to the applicant, materials included
    (and, for a day of a provisional year, that its opening is not settled yet)."""
    service = hall.service(booking.service_id)
    lines = [
        _("【{hall}】预约成功").format(hall=hall.name_zh),
        _("事项：{service}").format(service=service.name_zh),
        _("时间：{day} {start}-{end}").format(
            day=f"{booking.slot_start:%Y-%m-%d}",
            start=f"{booking.slot_start:%H:%M}",
            end=f"{booking.slot_end:%H:%M}",
        ),
        _("预约人：{name}").format(name=booking.masked_name),
        _("预约编号：{id}").format(id=booking.id),
        _("请携带以下材料："),
    ]
    lines += [f"{n}. {item}" for n, item in enumerate(service.materials_zh, start=1)]
    lines.append(_("请携带与预约信息一致的身份证件，按约定时间到达。"))
    if hall.phone:
        lines.append(_("如需取消，请致电 {phone}。").format(phone=hall.phone))
    if calendar_note:
        lines.append(calendar_note)
    return "\n".join(lines)


@router.get(
    "/halls/{hall_id}/bookings/{booking_id}", response_class=HTMLResponse, response_model=None
)
def confirmation(request: Request, hall_id: str, booking_id: str) -> Response:
    staff = _staff(request)
    if staff is None:
        return _login_redirect(request)
    store = _central(request)
    hall = booking_cases.hall_profile(store.settings, hall_id)
    with store.transaction() as session:
        booking = booking_cases.get_booking(session, hall, booking_id)
    context = {
        "staff": staff,
        "hall": hall,
        "booking": booking,
        "service": hall.service(booking.service_id),
        "text": confirmation_text(
            hall,
            booking,
            calendar_note_of(store.settings.calendar, booking.slot_start.date())[0],
        ),
    }
    return _render(request, "confirmation.html", context)


@router.get("/halls/{hall_id}/bookings", response_class=HTMLResponse, response_model=None)
def booking_list(request: Request, hall_id: str, day: date | None = None) -> Response:
    staff = _staff(request)
    if staff is None:
        return _login_redirect(request)
    store = _central(request)
    hall = booking_cases.hall_profile(store.settings, hall_id)
    day = day or store.settings.now(hall).date() + timedelta(days=1)
    with store.transaction() as session:
        rows = booking_cases.bookings_of_day(session, hall, day)
    services = {s.id: s for s in hall.services}
    context = {"staff": staff, "hall": hall, "day": day, "rows": rows, "services": services}
    return _render(request, "bookings.html", context)


def _cancel_page(
    request: Request,
    staff: StaffPrincipal,
    hall: HallProfile,
    booking: Booking,
    error: CentralError | None = None,
) -> HTMLResponse:
    context = {
        "staff": staff,
        "hall": hall,
        "booking": booking,
        "service": hall.service(booking.service_id),
        "error": error,
        "cancellable": booking.status == BookingStatus.BOOKED,
    }
    return _render(
        request, "cancel.html", context, status_code=error.status if error is not None else 200
    )


@router.get(
    "/halls/{hall_id}/bookings/{booking_id}/cancel",
    response_class=HTMLResponse,
    response_model=None,
)
def cancel_page(request: Request, hall_id: str, booking_id: str) -> Response:
    staff = _staff(request)
    if staff is None:
        return _login_redirect(request)
    store = _central(request)
    hall = booking_cases.hall_profile(store.settings, hall_id)
    with store.transaction() as session:
        booking = booking_cases.get_booking(session, hall, booking_id)
    return _cancel_page(request, staff, hall, booking)


@router.post("/halls/{hall_id}/bookings/{booking_id}/cancel", response_model=None)
def cancel(
    request: Request,
    hall_id: str,
    booking_id: str,
    csrf: Annotated[str, Form()],
    by: Annotated[str, Form()],
    id_number: Annotated[str, Form()] = "",
    approver: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    staff = _staff(request)
    if staff is None:
        return _login_redirect(request)
    _check_csrf(staff, csrf)
    store = _central(request)
    hall = booking_cases.hall_profile(store.settings, hall_id)
    try:
        with store.transaction() as session:
            if by == "citizen":
                if not id_number.strip():
                    raise CentralError("invalid_form", _("请填写预约人的身份证号码"))
                booking_cases.cancel_by_citizen(
                    session,
                    store.settings,
                    hall.id,
                    booking_id,
                    CitizenCancel(id_number=id_number, reason=reason[:200]),
                )
            elif by == "hall":
                if not reason.strip():
                    raise CentralError("invalid_form", _("请填写取消原因"))
                booking_cases.cancel_by_hall(
                    session,
                    store.settings,
                    hall.id,
                    booking_id,
                    # A blank approver reaches the rule, which refuses it with its own message.
                    HallCancel(approver=approver.strip() or " ", reason=reason[:200]),
                )
            else:
                raise CentralError("invalid_form", _("请选择取消方式"))
    except CentralError as error:
        with store.transaction() as session:
            booking = booking_cases.get_booking(session, hall, booking_id)
        return _cancel_page(request, staff, hall, booking, error)
    with store.transaction() as session:
        booking = booking_cases.get_booking(session, hall, booking_id)
    day = f"{booking.slot_start:%Y-%m-%d}"
    return RedirectResponse(f"/staff/halls/{hall.id}/bookings?day={day}", status_code=303)
