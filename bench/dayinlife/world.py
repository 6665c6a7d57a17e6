"""The hall, its compressed clock and the citizens who come (or do not) on the simulated day.

Every process builds the same citizens from the same seed, so none has to ship the list to
another; the hall clock is a shared start instant and a speed factor, so each process reads
the same hall time and the rules (check-in windows, walk-in periods, natural extension) apply
as they would on the day.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from kiosk.config import load_calendar, load_hall
from kiosk.domain.booking_rules import day_slots
from kiosk.domain.calendar import HolidayCalendar
from kiosk.domain.hall import HallProfile, ServiceWindow
from kiosk.domain.identity import CardType, Identity, age_on, check_digit, sex_from_number

HALL_ID = "xixia"
DAY = date(2026, 11, 26)  # a working Thursday: 08:00-12:00, lunch service, 14:30-17:30
DOORS = datetime(2026, 11, 26, 7, 40)  # the simulated clock starts here
CLOSING = datetime(2026, 11, 26, 17, 30)
BOOKED_ON = datetime(2026, 11, 24, 9, 0)  # bookings are made two days ahead (24 h lead)
KEY = b"day-in-the-life-id-hash-key-0123456789abcdef"
REGION = "411323"  # 西峡县
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


class Kind(StrEnum):
    BOOKED = "booked"
    WALK_IN = "walk_in"


class Behaviour(StrEnum):
    ON_TIME = "on_time"
    EARLY = "early"  # before the check-in window (booked) or before opening (walk-in)
    LATE = "late"  # after the booked slot: forfeited, then a walk-in ticket if still allowed
    NO_SHOW = "no_show"  # a booking holder who never comes
    GONE = "gone"  # takes a ticket, leaves before being called
    AFTER_HOURS = "after_hours"  # a walk-in arriving when ticketing has closed


@dataclass(frozen=True)
class Citizen:
    index: int
    id_number: str
    name: str
    birth: date
    service: str
    kind: Kind
    behaviour: Behaviour
    kiosk: int
    arrival: datetime | None  # None: never comes
    slot: datetime | None = None
    channel: str | None = None

    def elderly(self, hall: HallProfile) -> bool:
        return age_on(self.identity(), DAY) >= hall.queue.priority_age

    def identity(self) -> Identity:
        return Identity(
            card_type=CardType.RESIDENT,
            name=self.name,
            name_en=None,
            sex=sex_from_number(self.id_number),
            nation="汉",
            nationality=None,
            birth=self.birth,
            address=None,
            id_number=self.id_number,
            authority="西峡县公安局",
            valid_from=date(2020, 1, 1),
            valid_to=None,
        )


def day_hall(windows: int = 20) -> HallProfile:
    """Xixia with ``windows`` windows, the services dealt out in turn (1: A, 2: B, ...)."""
    base = load_hall(HALL_ID)
    services = base.services
    rows = tuple(
        ServiceWindow(number=n, services=(services[(n - 1) % len(services)].id,))
        for n in range(1, windows + 1)
    )
    return base.model_copy(update={"windows": rows})


def calendar() -> HolidayCalendar:
    return load_calendar()


@dataclass(frozen=True)
class HallTime:
    """Hall time = ``doors`` + (wall seconds since ``start_wall``) × ``speed``."""

    start_wall: float
    speed: float
    doors: datetime = DOORS

    def now(self) -> datetime:
        return self.doors + timedelta(seconds=(time.time() - self.start_wall) * self.speed)

    def wall_at(self, moment: datetime) -> float:
        return self.start_wall + (moment - self.doors).total_seconds() / self.speed

    def wall_seconds(self, hall_minutes: float) -> float:
        return hall_minutes * 60 / self.speed

    def sleep_until(self, moment: datetime, limit: float = 0.5) -> bool:
        """Sleep towards ``moment`` for at most ``limit`` wall seconds; True once it is reached."""
        remaining = self.wall_at(moment) - time.time()
        if remaining <= 0:
            return True
        time.sleep(min(remaining, limit))
        return remaining <= limit


def _number(rng: random.Random, birth: date, taken: set[str]) -> str:
    while True:
        first17 = f"{REGION}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + check_digit(first17)
        if number not in taken:
            taken.add(number)
            return number


def _at(hour: int, minute: float) -> datetime:
    return datetime.combine(DAY, datetime.min.time()) + timedelta(hours=hour, minutes=minute)


def _walk_in_arrival(rng: random.Random) -> datetime:
    """A busy morning, a quieter lunch, a steady afternoon (share of arrivals 50/15/35)."""
    draw = rng.random()
    if draw < 0.50:
        return _at(8, rng.uniform(0, 240))
    if draw < 0.65:
        return _at(12, rng.uniform(0, 150))
    return _at(14, rng.uniform(30, 205))


def make_citizens(
    count: int, hall: HallProfile, calendar: HolidayCalendar, kiosks: int = 4, seed: int = 26
) -> list[Citizen]:
    """``count`` citizens: about 8 % with a booking (as many as the day's places allow), the
    rest walk-ins; a few elderly (priority group), early, late, no-shows and people who leave."""
    rng = random.Random(seed)
    places = [
        (slot.start, service.id)
        for service in hall.services
        for slot in day_slots(hall, DAY, calendar, service)
        for _place in range(slot.capacity)
    ]
    rng.shuffle(places)
    booked = min(len(places), round(count * 0.08))
    window_services = [w.services[0] for w in hall.windows]
    taken: set[str] = set()
    citizens: list[Citizen] = []
    for index in range(count):
        elderly = rng.random() < 0.05
        if elderly:
            birth = date(1930, 1, 1) + timedelta(days=rng.randrange(9000))
        else:
            birth = date(1961, 1, 1) + timedelta(days=rng.randrange(16000))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        number = _number(rng, birth, taken)
        kiosk = rng.randrange(kiosks)
        if index < booked:
            slot, service = places[index]
            draw = rng.random()
            behaviour = (
                Behaviour.ON_TIME
                if draw < 0.70
                else Behaviour.EARLY
                if draw < 0.80
                else Behaviour.LATE
                if draw < 0.90
                else Behaviour.NO_SHOW
            )
            arrival: datetime | None = {
                Behaviour.ON_TIME: slot + timedelta(minutes=rng.uniform(-25, 20)),
                Behaviour.EARLY: slot - timedelta(minutes=rng.uniform(40, 90)),
                Behaviour.LATE: slot + timedelta(minutes=rng.uniform(35, 75)),
                Behaviour.NO_SHOW: None,
            }[behaviour]
            if arrival is not None:
                arrival = max(arrival, DOORS)
            channel = "phone" if index % 3 == 0 else "online"
            citizens.append(
                Citizen(
                    index,
                    number,
                    name,
                    birth,
                    service,
                    Kind.BOOKED,
                    behaviour,
                    kiosk,
                    arrival,
                    slot,
                    channel,
                )
            )
            continue
        draw = rng.random()
        if draw < 0.015:
            behaviour, arrival = Behaviour.EARLY, _at(7, rng.uniform(40, 59))
        elif draw < 0.03:
            behaviour, arrival = Behaviour.AFTER_HOURS, _at(17, rng.uniform(31, 50))
        elif draw < 0.06:
            behaviour, arrival = Behaviour.GONE, _walk_in_arrival(rng)
        else:
            behaviour, arrival = Behaviour.ON_TIME, _walk_in_arrival(rng)
        service = rng.choice(window_services)
        citizens.append(
            Citizen(index, number, name, birth, service, Kind.WALK_IN, behaviour, kiosk, arrival)
        )
    return citizens
