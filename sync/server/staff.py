"""The booking desk's pages: phone and on-site bookings taken by staff, listed and cancelled.

Server-rendered and usable without JavaScript (the only script copies the confirmation text).
A booking made here goes through the same rules as the API; the confirmation page shows the
full materials list so staff can read it out (一次性告知) and print or copy it for the applicant.

Who may do what: every page takes the logged-in ``StaffUser``; a hall's pages take ``Desk``,
which also checks that the login acts for that hall (county admins act for all). A page that
needs more than the desk's work checks a ``Permission`` (``desk.require(...)``). Problems are
answered as HTML pages (``problems.problem_response``); a missing login redirects to the login
page. Passwords are checked on the hasher's own threads, behind the throttle
(``throttle``): a flood of logins neither slows the API nor finds out which names exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from kiosk.domain.booking_code import (
    BOOKING_CODE_ALPHABET,
    BOOKING_CODE_LENGTH,
    booking_code,
    normalise_booking_code,
)
from kiosk.domain.calendar import HolidayCalendar, UnknownYear
from kiosk.domain.hall import ChannelId, HallProfile, Service
from kiosk.i18n import _
from kiosk.messages import no_calendar_text, provisional_text
from sync.protocol import (
    BOOKING_ID_PATTERN,
    BookingCreate,
    BookingStatus,
    Channel,
    CitizenCancel,
    Day,
    HallCancel,
)
from sync.server import bookings as booking_cases
from sync.server import throttle
from sync.server.app import Central
from sync.server.auth import (
    Permission,
    StaffPrincipal,
    log_out,
    login_hash,
    open_session,
    same_token,
    staff_for,
    utcnow,
)
from sync.server.errors import CentralError, Forbidden
from sync.server.events import daily_report
from sync.server.follow_ups import rating_report
from sync.server.gate import client_address
from sync.server.models import Booking
from sync.server.pages import render

COOKIE = "hk_staff"
DESK_CHANNELS = (ChannelId.PHONE, ChannelId.ON_SITE)
BookingIdPath = Annotated[str, Path(pattern=BOOKING_ID_PATTERN)]

router = APIRouter(prefix="/staff", include_in_schema=False)


def central_of(request: Request) -> Central:
    found: Central = request.app.state.central  # Starlette's State holds untyped attributes
    return found


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form and back."""


def staff_user(request: Request) -> StaffPrincipal:
    """The logged-in staff member, with their role and halls."""
    with central_of(request).read_session() as session:
        staff = staff_for(session, request.cookies.get(COOKIE))
    if staff is None:
        raise LoginRequired
    return staff


StaffUser = Annotated[StaffPrincipal, Depends(staff_user)]


@dataclass(frozen=True)
class HallDesk:
    """A staff member at one hall's desk (their login acts for the hall)."""

    staff: StaffPrincipal
    hall: HallProfile

    def require(self, permission: Permission) -> None:
        self.staff.require(self.hall.id, permission)


def hall_desk(request: Request, hall_id: str, staff: StaffUser) -> HallDesk:
    hall = booking_cases.hall_profile(central_of(request).settings, hall_id)
    staff.require(hall.id)
    return HallDesk(staff, hall)


Desk = Annotated[HallDesk, Depends(hall_desk)]


def _login_redirect(request: Request, _error: LoginRequired) -> RedirectResponse:
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return RedirectResponse(f"/staff/login?next={target}", status_code=303)


def install(app: FastAPI) -> None:
    # Starlette types a handler as taking any Exception, so one for a subclass needs the ignore.
    app.add_exception_handler(LoginRequired, _login_redirect)  # type: ignore[arg-type]


def check_csrf(staff: StaffPrincipal, token: str) -> None:
    if not same_token(token, staff.csrf_token):
        raise Forbidden("bad_csrf", _("页面已过期，请刷新后重试"))


def _form_model(model: type[BaseModel], **values: Any) -> Any:
    """A protocol model from form fields; a field it refuses is named, its value never shown."""
    try:
        return model(**values)
    except ValidationError as error:
        fields = sorted({str(item["loc"][0]) for item in error.errors() if item["loc"]})
        labels = {
            "name": _("姓名"),
            "id_number": _("身份证号码"),
            "phone": _("联系电话"),
            "approver": _("审批人"),
            "reason": _("原因"),
            "slot_start": _("时段"),
            "service": _("事项"),
        }
        named = "、".join(labels.get(field, field) for field in fields)
        raise CentralError("invalid_form", _("请检查：{fields}").format(fields=named)) from None


def _safe_next(target: str) -> str:
    """Only a page of the desk itself (never another site: ``//host`` or ``/\\host``)."""
    if target.startswith("/staff/") and "//" not in target and "\\" not in target:
        return target
    return "/staff/"


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, next: Annotated[str, Query(max_length=500)] = "/staff/"
) -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "error": None, "staff": None})


@router.post("/login", response_model=None)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "/staff/",
) -> Response:
    store = central_of(request)
    keys = throttle.login_keys(username, client_address(request.scope))

    def before() -> tuple[str | None, int | None]:
        with store.transaction() as session:
            locked = throttle.locked_for(session, keys, utcnow())
            return login_hash(session, username), locked

    stored, locked = await run_in_threadpool(before)
    if locked is not None:
        raise throttle.locked_error(locked)
    if not await store.hasher.verify(password, stored):

        def failed() -> int | None:
            with store.transaction() as session:
                return throttle.record_failure(session, keys, utcnow(), store.throttle)

        lock = await run_in_threadpool(failed)
        if lock is not None:
            raise throttle.locked_error(lock)
        context = {"next": _safe_next(next), "error": _("用户名或密码错误"), "staff": None}
        return render(request, "login.html", context, status_code=401)

    def succeeded() -> str:
        with store.transaction() as session:
            throttle.record_success(session, keys)
            token, _csrf = open_session(session, username, store.settings.staff_session_hours)
            return token

    token = await run_in_threadpool(succeeded)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=store.settings.secure_cookies,
        max_age=store.settings.staff_session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    with central_of(request).transaction() as session:
        log_out(session, request.cookies.get(COOKIE))
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/", response_class=HTMLResponse, response_model=None)
def halls(request: Request, staff: StaffUser) -> Response:
    store = central_of(request)
    visible = staff.visible(sorted(store.settings.halls))
    context = {
        "staff": staff,
        "halls": [store.settings.halls[hall_id] for hall_id in visible],
        "reports": staff.may(Permission.HALL_REPORTS),
        "follow_ups": staff.may(Permission.FOLLOW_UP),
    }
    return render(request, "halls.html", context)


def _desk_channels(hall: HallProfile) -> list[Any]:
    return [c for c in hall.channels if c.id in DESK_CHANNELS]


def _service_of(hall: HallProfile, service_id: str) -> Service | None:
    """The item of a booking, or None for one the hall no longer has (a refused kiosk
    booking may name an item the hall never had)."""
    try:
        return hall.service(service_id)
    except KeyError:
        return None


def _booking_form(
    request: Request,
    desk: HallDesk,
    service_id: str | None,
    day: date | None,
    error: CentralError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    store = central_of(request)
    hall = desk.hall
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
        with store.read_session() as session:
            slots = booking_cases.slots_of_day(
                session, store.settings, hall, service, day, channel or None
            )
    context = {
        "staff": desk.staff,
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
    return render(request, "book.html", context, status_code=status)


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
    request: Request,
    desk: Desk,
    service: Annotated[str | None, Query(max_length=64)] = None,
    day: Annotated[Day | None, Query()] = None,
) -> Response:
    desk.require(Permission.BOOK)
    return _booking_form(request, desk, service, day)


@router.post("/halls/{hall_id}/book", response_model=None)
def book(
    request: Request,
    desk: Desk,
    csrf: Annotated[str, Form(max_length=100)],
    service: Annotated[str, Form(max_length=64)],
    day: Annotated[Day, Form()],
    channel: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=200)] = "",
    id_number: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    slot: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    check_csrf(desk.staff, csrf)
    desk.require(Permission.BOOK)
    store = central_of(request)
    hall = desk.hall
    # The ID number is never sent back into the page: staff type it again after an error.
    values = {"name": name, "phone": phone, "slot": slot, "channel": channel}
    try:
        if channel not in {c.id.value for c in _desk_channels(hall)}:
            raise CentralError("bad_channel", _("请选择电话预约或现场预约"))
        if not slot:
            raise CentralError("no_slot", _("请选择预约时段"))
        if not (name.strip() and id_number.strip() and phone.strip()):
            raise CentralError("invalid_form", _("请完整填写姓名、身份证号码和联系电话"))
        request_model = _form_model(
            BookingCreate,
            service=service,
            slot_start=slot,
            channel=Channel(channel),
            name=name,
            id_number=id_number,
            phone=phone,
        )
        with store.transaction() as session:
            booking, _created = booking_cases.create_booking(
                session, store.settings, hall.id, request_model, f"staff:{desk.staff.username}"
            )
    except CentralError as error:
        return _booking_form(request, desk, service, day, error, values)
    return RedirectResponse(f"/staff/halls/{hall.id}/bookings/{booking.id}", status_code=303)


def confirmation_text(hall: HallProfile, booking: Booking, calendar_note: str = "") -> str:
    """The confirmation read out on the phone and given to the applicant, materials included
    (and, for a day of a provisional year, that its opening is not settled yet)."""
    service = _service_of(hall, booking.service_id)
    lines = [
        _("【{hall}】预约成功").format(hall=hall.name_zh),
        _("事项：{service}").format(service=service.name_zh if service else booking.service_id),
        _("时间：{day} {start}-{end}").format(
            day=f"{booking.slot_start:%Y-%m-%d}",
            start=f"{booking.slot_start:%H:%M}",
            end=f"{booking.slot_end:%H:%M}",
        ),
        _("预约人：{name}").format(name=booking.masked_name),
        _("预约码：{code}").format(code=booking_code(booking.id)),
        _("请携带以下材料："),
    ]
    materials = service.materials_zh if service else ()
    lines += [f"{n}. {item}" for n, item in enumerate(materials, start=1)]
    lines.append(_("请携带与预约信息一致的身份证件，按约定时间到达。"))
    if hall.phone:
        lines.append(_("如需取消，请致电 {phone}。").format(phone=hall.phone))
    if calendar_note:
        lines.append(calendar_note)
    return "\n".join(lines)


@router.get(
    "/halls/{hall_id}/bookings/{booking_id}", response_class=HTMLResponse, response_model=None
)
def confirmation(request: Request, desk: Desk, booking_id: BookingIdPath) -> Response:
    store = central_of(request)
    with store.read_session() as session:
        booking = booking_cases.get_booking(session, desk.hall, booking_id)
    context = {
        "staff": desk.staff,
        "hall": desk.hall,
        "booking": booking,
        "service": _service_of(desk.hall, booking.service_id),
        "text": confirmation_text(
            desk.hall,
            booking,
            calendar_note_of(store.settings.calendar, booking.slot_start.date())[0],
        ),
    }
    return render(request, "confirmation.html", context)


@router.get("/halls/{hall_id}/bookings", response_class=HTMLResponse, response_model=None)
def booking_list(
    request: Request,
    desk: Desk,
    day: Annotated[Day | None, Query()] = None,
    code: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """A day's bookings; with ``code``, only the booking whose short code it is: a citizen on
    the phone quotes the code on their ticket or confirmation (``kiosk.domain.booking_code``;
    codes are compared within one hall and one day)."""
    store = central_of(request)
    hall = desk.hall
    day = day or store.settings.now(hall).date() + timedelta(days=1)
    with store.read_session() as session:
        rows = booking_cases.bookings_of_day(session, hall, day)
    error = None
    if code.strip():
        try:
            code = normalise_booking_code(code)
        except ValueError:
            # The text typed is not shown again: it may be anything, an ID number too.
            code, rows, error = "", [], CentralError("invalid_code", _bad_code_text())
            error.status = 422
        else:
            rows = [b for b in rows if booking_code(b.id) == code]
    context = {
        "staff": desk.staff,
        "hall": hall,
        "day": day,
        "rows": rows,
        "services": {s.id: s for s in hall.services},
        "code": code.strip(),
        "error": error,
    }
    return render(request, "bookings.html", context, error.status if error is not None else 200)


def _bad_code_text() -> str:
    return _("预约码为 {length} 位，只含以下字符：{alphabet}。请核对后重新输入。").format(
        length=BOOKING_CODE_LENGTH, alphabet=BOOKING_CODE_ALPHABET
    )


@router.get("/halls/{hall_id}/report", response_class=HTMLResponse, response_model=None)
def hall_report(
    request: Request, desk: Desk, day: Annotated[Day | None, Query()] = None
) -> Response:
    """The hall's day in numbers for its manager: bookings by status, conflicts, tickets, and
    好差评 per window and clerk with the state of each 差评's follow-up."""
    desk.require(Permission.HALL_REPORTS)
    store = central_of(request)
    day = day or store.settings.now(desk.hall).date()
    with store.read_session() as session:
        report = daily_report(session, desk.hall, day)
        ratings = rating_report(session, store.settings, desk.hall, day, day)
    services = {s.id: s for s in desk.hall.services}
    context = {
        "staff": desk.staff,
        "hall": desk.hall,
        "day": day,
        "report": report,
        "ratings": ratings,
        "follow_ups": desk.staff.may(Permission.FOLLOW_UP),
        "services": services,
    }
    return render(request, "report.html", context)


def _cancel_page(
    request: Request, desk: HallDesk, booking: Booking, error: CentralError | None = None
) -> HTMLResponse:
    context = {
        "staff": desk.staff,
        "hall": desk.hall,
        "booking": booking,
        "service": _service_of(desk.hall, booking.service_id),
        "error": error,
        "cancellable": booking.status == BookingStatus.BOOKED,
    }
    return render(
        request, "cancel.html", context, status_code=error.status if error is not None else 200
    )


@router.get(
    "/halls/{hall_id}/bookings/{booking_id}/cancel",
    response_class=HTMLResponse,
    response_model=None,
)
def cancel_page(request: Request, desk: Desk, booking_id: BookingIdPath) -> Response:
    with central_of(request).read_session() as session:
        booking = booking_cases.get_booking(session, desk.hall, booking_id)
    return _cancel_page(request, desk, booking)


@router.post("/halls/{hall_id}/bookings/{booking_id}/cancel", response_model=None)
def cancel(
    request: Request,
    desk: Desk,
    booking_id: BookingIdPath,
    csrf: Annotated[str, Form(max_length=100)],
    by: Annotated[str, Form(max_length=16)],
    id_number: Annotated[str, Form(max_length=100)] = "",
    approver: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(desk.staff, csrf)
    desk.require(Permission.CANCEL)
    store = central_of(request)
    hall = desk.hall
    try:
        with store.transaction() as session:
            if by == "citizen":
                if not id_number.strip():
                    raise CentralError("invalid_form", _("请填写预约人的身份证号码"))
                holder = _form_model(CitizenCancel, id_number=id_number, reason=reason[:200])
                booking_cases.cancel_by_citizen(
                    session, store.settings, hall.id, booking_id, holder
                )
            elif by == "hall":
                if not reason.strip():
                    raise CentralError("invalid_form", _("请填写取消原因"))
                # A blank approver reaches the rule, which refuses it with its own message.
                decision = _form_model(
                    HallCancel, approver=approver.strip() or " ", reason=reason[:200]
                )
                booking_cases.cancel_by_hall(session, store.settings, hall.id, booking_id, decision)
            else:
                raise CentralError("invalid_form", _("请选择取消方式"))
    except CentralError as error:
        with store.transaction() as session:
            booking = booking_cases.get_booking(session, hall, booking_id)
        return _cancel_page(request, desk, booking, error)
    with store.transaction() as session:
        booking = booking_cases.get_booking(session, hall, booking_id)
    day = f"{booking.slot_start:%Y-%m-%d}"
    return RedirectResponse(f"/staff/halls/{hall.id}/bookings?day={day}", status_code=303)
