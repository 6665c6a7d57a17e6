"""Who is booked when in the demo hall: the demo cards' people and a day's worth of others.

The demo must show every answer of the kiosk at whatever instant it runs (``--at``), so the
people on the demo cards are booked relative to *now*: one in the slot open for check-in, one in
a slot two hours on, one in a slot already over, one on a coming day; the rest come without a
booking or with an expired card. Each booking is made at an instant when the hall's rules
allowed it (a day or more before the slot, through a channel open then), so the central store
accepts it under the same rules as any other booking. Pure: no store, no clock of its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from kiosk.domain.booking_rules import (
    BookingRefusal,
    CheckInTiming,
    Slot,
    booking_decision,
    check_in_window,
    day_slots,
)
from kiosk.domain.calendar import HolidayCalendar, UnknownYear
from kiosk.domain.hall import HallProfile, Service
from kiosk.domain.identity import check_digit
from kiosk.domain.schedule import day_plan

#: How far ahead the other people's bookings reach (open days, today included).
BACKGROUND_DAYS = 5
#: Bookings per service and open day made for people not on a demo card.
BACKGROUND_PER_SERVICE = 2
#: Channels tried, in this order, for the instant a booking was made.
CHANNEL_ORDER = ("online", "phone", "on_site", "kiosk")


class Role(StrEnum):
    """What happens when the card is put on the reader at the demo's start."""

    ON_TIME = "on_time"
    EARLY = "early"
    LATE = "late"
    OTHER_DAY = "other_day"
    WALK_IN = "walk_in"
    EXPIRED = "expired"


#: The demo cards (``config/demo/cards``) and the part their holder plays.
CARD_ROLES: tuple[tuple[str, Role], ...] = (
    ("resident-zhang-wei", Role.ON_TIME),
    ("resident-li-xiaohong", Role.EARLY),
    ("resident-ayguli-uyghur", Role.LATE),
    ("hmt-chan-ka-yan", Role.OTHER_DAY),
    ("foreign-2023-muller", Role.OTHER_DAY),
    ("resident-wang-guihua-72", Role.WALK_IN),
    ("foreign-2017-smith", Role.WALK_IN),
    ("resident-ouyang-xiaoming-expired", Role.EXPIRED),
)


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str
    card: str | None = None  # the demo card's file stem; None for the people made up here


@dataclass(frozen=True)
class PlannedBooking:
    person: Person
    service: str
    slot_start: datetime
    slot_end: datetime
    made_at: datetime
    channel: str


@dataclass(frozen=True)
class CardPart:
    """One card of the drawer: its person's booking (if any) and what the kiosk will say."""

    card: str
    role: Role
    booking: PlannedBooking | None
    timing: CheckInTiming | None  # for a booking of today, judged at the demo's start


@dataclass(frozen=True)
class DemoPlan:
    now: datetime
    cards: tuple[CardPart, ...]
    others: tuple[PlannedBooking, ...]
    notes: tuple[str, ...]

    @property
    def bookings(self) -> list[PlannedBooking]:
        return [c.booking for c in self.cards if c.booking is not None] + list(self.others)

    def part(self, role: Role) -> CardPart | None:
        return next((c for c in self.cards if c.role is role), None)


class PlanError(ValueError):
    """The hall cannot take bookings at all (no bookable service); the message says why."""


def bookable_services(hall: HallProfile) -> list[Service]:
    """Bookable services, those of the lowest-numbered windows first (the consoles shown)."""
    order: list[Service] = []
    for window in sorted(hall.windows, key=lambda w: w.number):
        for service_id in window.services:
            service = hall.service(service_id)
            if service.bookable and service not in order:
                order.append(service)
    order += [s for s in hall.services if s.bookable and s not in order]
    return order


def open_days(hall: HallProfile, calendar: HolidayCalendar, start: date, count: int) -> list[date]:
    """The next ``count`` days the hall is open from ``start`` (included), within the
    booking horizon and the years the holiday calendar knows."""
    days: list[date] = []
    for offset in range(hall.booking.days_ahead + 1):
        day = start + timedelta(days=offset)
        plan = day_plan(hall, day, calendar)
        if not plan.calendar_known:
            break
        if plan.is_open:
            days.append(day)
        if len(days) >= count:
            break
    return days


def booked_when(
    hall: HallProfile,
    calendar: HolidayCalendar,
    service: Service,
    slot_start: datetime,
    not_after: datetime,
) -> tuple[datetime, str] | None:
    """The latest instant (a morning, days before, but not after ``not_after``: the demo's
    start) and channel at which the rules allowed the booking; None when none could."""
    channels = [c.id.value for c in hall.channels]
    ordered = [c for c in CHANNEL_ORDER if c in channels] + [
        c for c in channels if c not in CHANNEL_ORDER
    ]
    for days_before in range(1, hall.booking.days_ahead + 1):
        day = slot_start.date() - timedelta(days=days_before)
        for moment in (time(9, 30), time(10, 0), time(8, 30)):
            made_at = datetime.combine(day, moment)
            if made_at > not_after:
                continue
            for channel in ordered:
                decision = booking_decision(
                    hall, slot_start, made_at, calendar, channel=channel, service=service
                )
                if decision.reason is BookingRefusal.NO_CALENDAR:
                    return None
                if decision.allowed:
                    return made_at, channel
    return None


def _timing(hall: HallProfile, slot: Slot, now: datetime) -> CheckInTiming:
    return check_in_window(hall, slot.start, slot.end).timing(now)


def _pick_today(hall: HallProfile, slots: list[Slot], now: datetime, role: Role) -> Slot | None:
    if role is Role.ON_TIME:
        fitting = [s for s in slots if _timing(hall, s, now) is CheckInTiming.ON_TIME]
        current = [s for s in fitting if s.start <= now < s.end]
        return next(iter(current or fitting), None)
    if role is Role.EARLY:
        early = [s for s in slots if _timing(hall, s, now) is CheckInTiming.TOO_EARLY]
        later = [s for s in early if s.start >= now + timedelta(hours=2)]
        return next(iter(later or early), None)
    if role is Role.LATE:
        late = [s for s in slots if _timing(hall, s, now) is CheckInTiming.TOO_LATE]
        return late[-1] if late else None
    return None


def _first_slot_from(slots: list[Slot], hour: int) -> Slot | None:
    later = [s for s in slots if s.start.hour >= hour]
    return next(iter(later or slots), None)


def make_id_number(rng: random.Random, area: str, birth: date, sex: str) -> str:
    """A made-up, well-formed citizen ID number (the check digit is right)."""
    sequence = rng.randrange(0, 99)
    odd = rng.randrange(1, 10, 2) if sex == "男" else rng.randrange(0, 10, 2)
    first17 = f"{area}{birth:%Y%m%d}{sequence:02d}{odd}"
    return first17 + check_digit(first17)


_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
)
_GIVEN = "建国秀英志强桂兰海燕国华丽娟俊杰淑珍文博晓燕明轩春梅振华玉兰子涵"  # two characters each
_AREAS = ("411323", "411303", "110117", "110105")


def made_up_person(rng: random.Random, today: date) -> Person:
    sex = rng.choice(("男", "女"))
    age = rng.randrange(20, 78)
    birth = date(today.year - age, rng.randrange(1, 13), rng.randrange(1, 29))
    number = make_id_number(rng, rng.choice(_AREAS), birth, sex)
    given = rng.randrange(len(_GIVEN) // 2) * 2
    name = rng.choice(_SURNAMES) + _GIVEN[given : given + 2]
    phone = f"13{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}"
    return Person(name, number, phone)


def plan_demo(
    hall: HallProfile,
    calendar: HolidayCalendar,
    now: datetime,
    cards: dict[str, tuple[str, str]],
    *,
    seed: int = 9,
) -> DemoPlan:
    """The demo's bookings at ``now``. ``cards`` maps a demo card stem to (name, ID number)."""
    services = bookable_services(hall)
    if not services:
        raise PlanError(f"{hall.id}: no service can be booked, so the demo has no bookings")
    today = now.date()
    notes: list[str] = []
    if not calendar.knows(today.year):
        notes.append(str(UnknownYear(today.year, calendar.directory_hint)))
    taken: set[tuple[str, datetime]] = set()  # (person, slot): one booking per person per slot
    parts: list[CardPart] = []
    future_days = [d for d in open_days(hall, calendar, today, BACKGROUND_DAYS + 1) if d > today]

    def book(person: Person, service: Service, slot: Slot) -> PlannedBooking | None:
        when = booked_when(hall, calendar, service, slot.start, now - timedelta(hours=1))
        if when is None:
            return None
        taken.add((person.id_number, slot.start))
        return PlannedBooking(person, service.id, slot.start, slot.end, when[0], when[1])

    phones = iter(range(1, 100))
    for stem, role in CARD_ROLES:
        if stem not in cards:
            continue
        name, number = cards[stem]
        person = Person(name, number, f"1380000{next(phones):04d}", stem)
        booking: PlannedBooking | None = None
        if role in (Role.ON_TIME, Role.EARLY, Role.LATE):
            for service in services:
                slot = _pick_today(hall, _today_slots(hall, calendar, today, service), now, role)
                if slot is not None:
                    booking = book(person, service, slot)
                    if booking is not None:
                        break
            if booking is None:
                notes.append(f"no slot of {today} fits a {role.value} booking at {now:%H:%M}")
        elif role is Role.OTHER_DAY and future_days:
            service = services[(len(parts)) % len(services)]
            day = future_days[0] if stem.startswith("hmt") else future_days[-1]
            slot = _first_slot_from(day_slots(hall, day, calendar, service), 10)
            if slot is not None:
                booking = book(person, service, slot)
        timing = None
        if booking is not None and booking.slot_start.date() == today:
            window = check_in_window(hall, booking.slot_start, booking.slot_end)
            timing = window.timing(now)
        parts.append(CardPart(stem, role, booking, timing))

    rng = random.Random(f"{hall.id}:{today.isoformat()}:{seed}")
    others: list[PlannedBooking] = []
    for day in [d for d in open_days(hall, calendar, today, 1) if d == today] + future_days:
        for service in services:
            slots = [s for s in day_slots(hall, day, calendar, service) if s.start > now]
            for slot in rng.sample(slots, min(BACKGROUND_PER_SERVICE, len(slots))):
                person = made_up_person(rng, today)
                if (person.id_number, slot.start) in taken:
                    continue
                booking = book(person, service, slot)
                if booking is not None:
                    others.append(booking)
    others.sort(key=lambda b: (b.slot_start, b.service))
    return DemoPlan(now, tuple(parts), tuple(others), tuple(notes))


def _today_slots(
    hall: HallProfile, calendar: HolidayCalendar, today: date, service: Service
) -> list[Slot]:
    try:
        return day_slots(hall, today, calendar, service)
    except UnknownYear:
        return []
