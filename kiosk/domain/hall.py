"""A hall profile: everything the published service rules say about one hall.

Profiles are shipped as TOML files (``config/halls/<id>.toml``) and validated here, so a wrong
key, an unknown weekday or two overlapping periods are refused when the file is loaded, not
discovered by a citizen at the kiosk. The models are plain values with no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK: tuple[Weekday, ...] = WEEKDAYS[:5]


class Category(StrEnum):
    """Item categories of the Pinggu weekend scope (即办 / 一日办结 / 承办 / 咨询)."""

    ON_THE_SPOT = "on_the_spot"
    ONE_DAY = "one_day"
    DECIDE_LATER = "decide_later"
    CONSULTATION = "consultation"


class Acceptance(StrEnum):
    """How a period takes an item category: handled in full, or materials received only."""

    SERVE = "serve"
    MATERIALS_ONLY = "materials_only"


class ChannelId(StrEnum):
    PHONE = "phone"
    ONLINE = "online"
    ON_SITE = "on_site"
    KIOSK = "kiosk"


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> time:
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day written HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


class TimeRange(BaseModel):
    """A span of wall-clock time within one day, written ``"HH:MM-HH:MM"`` in the files."""

    model_config = ConfigDict(frozen=True)

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = value.split("-")
            if len(parts) != 2:
                raise ValueError(f"{value!r} is not a time range written HH:MM-HH:MM")
            return {"start": parse_hhmm(parts[0]), "end": parse_hhmm(parts[1])}
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> TimeRange:
        if self.end <= self.start:
            raise ValueError(f"period {self} ends before it starts")
        return self

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, other: TimeRange) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


def _days_validator(value: Any) -> Any:
    if isinstance(value, str):
        return (value,)
    return value


Days = Annotated[tuple[Weekday, ...], BeforeValidator(_days_validator), Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WeeklyHours(_Model):
    """Time ranges that repeat on the listed weekdays."""

    days: Days = WORKWEEK
    hours: tuple[TimeRange, ...] = Field(min_length=1)


class PeriodRule(_Model):
    """An extended or weekend service period as the rules publish it."""

    days: Days = WORKWEEK
    hours: tuple[TimeRange, ...] = Field(min_length=1)
    walk_in: bool
    booking_required: bool
    bookable: bool = True
    skip_statutory_holidays: bool = True
    categories: dict[Category, Acceptance] | None = None
    note_zh: str = ""
    note_en: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> PeriodRule:
        if self.walk_in and self.booking_required:
            raise ValueError("walk_in and booking_required cannot both be true")
        if not self.walk_in and not self.bookable:
            raise ValueError("a period that takes neither walk-ins nor bookings serves nobody")
        if self.booking_required and not self.bookable:
            raise ValueError("booking_required needs bookable = true")
        return self


class LeadRule(_Model):
    """How far ahead a booking must be made.

    ``hours_before``: at least ``hours`` before the slot starts (Xixia: 24 h).
    ``previous_workday_cutoff``: before ``cutoff`` on the last working day strictly before the
    slot's date (Pinggu: 14:00).
    """

    kind: Literal["hours_before", "previous_workday_cutoff"]
    hours: int | None = Field(default=None, ge=0, le=24 * 30)
    cutoff: time | None = None

    @model_validator(mode="before")
    @classmethod
    def _cutoff_text(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("cutoff"), str):
            return {**value, "cutoff": parse_hhmm(value["cutoff"])}
        return value

    @model_validator(mode="after")
    def _complete(self) -> LeadRule:
        if self.kind == "hours_before" and self.hours is None:
            raise ValueError("lead kind 'hours_before' needs 'hours'")
        if self.kind == "previous_workday_cutoff" and self.cutoff is None:
            raise ValueError("lead kind 'previous_workday_cutoff' needs 'cutoff' (HH:MM)")
        return self


class BookingRules(_Model):
    lead: LeadRule
    slot_minutes: int = Field(ge=5, le=240)
    slot_capacity: int = Field(ge=1, le=500)
    days_ahead: int = Field(default=14, ge=1, le=90)
    checkin_opens_before_minutes: int = Field(default=30, ge=0, le=240)
    checkin_closes_after_end_minutes: int = Field(default=0, ge=0, le=240)
    hall_change_needs_approval: bool = True


class Channel(_Model):
    """A way to book: phone, WeChat/online, the volunteer desk on site, or the kiosk."""

    id: ChannelId
    name_zh: str
    name_en: str
    hours: tuple[WeeklyHours, ...] | None = None
    phone: str = ""
    note_zh: str = ""
    note_en: str = ""


class Service(_Model):
    """An item (事项) or group of items served at the windows, with its ticket prefix."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name_zh: str
    name_en: str
    prefix: str = Field(pattern=r"^[A-Z]{1,2}$")
    category: Category
    bookable: bool = True
    service_minutes: int = Field(default=10, ge=1, le=240)
    materials_zh: tuple[str, ...] = ()
    materials_en: tuple[str, ...] = ()
    # Where the item is handled when that is not simply where its windows stand (a zone or desk
    # of its own); the ticket then names this place, with the windows that serve the item.
    area_zh: str = ""
    area_en: str = ""
    icon: str = Field(default="", pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$")
    """A pictogram for the kiosk, by its Material Design Icons name (``home-city``); empty: the
    category's default. ``screens.icons.check_hall_icons`` checks the name exists."""


class ServiceWindow(_Model):
    number: int = Field(ge=1, le=999)
    services: tuple[str, ...] = Field(min_length=1)
    name_zh: str = ""
    name_en: str = ""
    # Where the window stands (一楼A区 / Zone A, ground floor): a ticket tells the holder where
    # to go, and a window number alone does not help in a hall of several floors or zones.
    area_zh: str = ""
    area_en: str = ""


@dataclass(frozen=True)
class WindowGroup:
    """Windows serving an item that stand in one area, as a ticket names them."""

    area_zh: str
    area_en: str
    windows: tuple[int, ...]


class QueueSettings(_Model):
    priority_age: int = Field(default=70, ge=50, le=120)
    max_consecutive_priority: int = Field(default=3, ge=1, le=50)
    no_show_recall_minutes: int = Field(default=10, ge=0, le=240)
    wait_history: int = Field(default=20, ge=1, le=1000)


class VoiceSettings(_Model):
    repeat: int = Field(default=2, ge=1, le=5)
    english: bool = False


class RatingReason(_Model):
    """A reason a citizen may pick with a 差评 (provincial rules list their own)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name_zh: str = Field(min_length=1, max_length=16)
    name_en: str = ""


DEFAULT_RATING_REASONS: tuple[RatingReason, ...] = (
    RatingReason(id="attitude", name_zh="服务态度", name_en="Attitude"),
    RatingReason(id="efficiency", name_zh="办事效率", name_en="Efficiency"),
    RatingReason(id="materials", name_zh="材料要求", name_en="Documents asked for"),
    RatingReason(id="facilities", name_zh="环境设施", name_en="Premises and equipment"),
    RatingReason(id="other", name_zh="其他", name_en="Other"),
)


class RatingSettings(_Model):
    """The 好差评 pad and the phone page: reasons for a 差评 and how long each one waits."""

    reasons: tuple[RatingReason, ...] = Field(default=DEFAULT_RATING_REASONS, min_length=1)
    pad_seconds: int = Field(default=30, ge=5, le=300)
    """How long the window's pad asks before the service counts as 未评价."""
    reason_seconds: int = Field(default=30, ge=5, le=300)
    phone_hours: int = Field(default=24, ge=1, le=24 * 15)
    """How long after the service the phone page still takes a rating."""

    @model_validator(mode="after")
    def _unique(self) -> RatingSettings:
        ids = [r.id for r in self.reasons]
        if len(ids) != len(set(ids)):
            raise ValueError("reasons: a reason id is listed twice")
        return self

    def reason(self, reason_id: str) -> RatingReason:
        for reason in self.reasons:
            if reason.id == reason_id:
                return reason
        raise KeyError(reason_id)


class Clerk(_Model):
    """A clerk who may sign in at the hall's window consoles (shown on the window's pad)."""

    id: str = Field(pattern=r"^[A-Za-z0-9-]{1,16}$")
    """工号, the staff number shown to citizens."""
    name_zh: str = Field(min_length=1, max_length=32)
    name_en: str = ""
    photo: str = ""
    """Optional picture for the window's pad: a path relative to the configuration folder."""
    pin: str
    """``pbkdf2_sha256$ITERATIONS$SALT$HASH`` of the sign-in PIN (``kiosk staff pin-hash``)."""

    @model_validator(mode="after")
    def _pin_shape(self) -> Clerk:
        from kiosk.domain.staff import parse_pin_hash

        parse_pin_hash(self.pin)
        return self


class HallProfile(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name_zh: str
    name_en: str
    short_name_zh: str = ""
    timezone: str = "Asia/Shanghai"
    phone: str = ""
    address_zh: str = ""
    address_en: str = ""
    regular: tuple[WeeklyHours, ...] = Field(min_length=1)
    extended: tuple[PeriodRule, ...] = ()
    weekend: tuple[PeriodRule, ...] = ()
    makeup_workday_as: Weekday = "mon"
    natural_extension: bool = True
    walk_in_stops_before_close_minutes: int = Field(default=0, ge=0, le=120)
    booking: BookingRules
    channels: tuple[Channel, ...] = Field(min_length=1)
    services: tuple[Service, ...] = Field(min_length=1)
    windows: tuple[ServiceWindow, ...] = Field(min_length=1)
    queue: QueueSettings = QueueSettings()
    voice: VoiceSettings = VoiceSettings()
    rating: RatingSettings = RatingSettings()
    clerks: tuple[Clerk, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> HallProfile:
        self._check_no_overlaps()
        self._check_services_and_windows()
        for index, rule in enumerate(self.weekend):
            for day in rule.days:
                if day in WORKWEEK:
                    raise ValueError(f"weekend[{index}].days: {day!r} is not a Saturday or Sunday")
        ids = [c.id for c in self.channels]
        if len(ids) != len(set(ids)):
            raise ValueError("channels: a channel id is listed twice")
        clerk_ids = [c.id for c in self.clerks]
        if len(clerk_ids) != len(set(clerk_ids)):
            raise ValueError("clerks: a clerk id (工号) is listed twice")
        return self

    def clerk(self, clerk_id: str) -> Clerk:
        for clerk in self.clerks:
            if clerk.id == clerk_id:
                return clerk
        raise KeyError(clerk_id)

    def _check_no_overlaps(self) -> None:
        for day in WEEKDAYS:
            spans: list[tuple[str, TimeRange]] = []
            spans += _labelled("regular", self.regular, day)
            spans += _labelled("extended", self.extended, day)
            _ensure_disjoint(spans, day)
            _ensure_disjoint(_labelled("weekend", self.weekend, day), day)
        for index, channel in enumerate(self.channels):
            for day in WEEKDAYS:
                _ensure_disjoint(
                    _labelled(f"channels[{index}].hours", channel.hours or (), day), day
                )

    def _check_services_and_windows(self) -> None:
        service_ids = [s.id for s in self.services]
        if len(service_ids) != len(set(service_ids)):
            raise ValueError("services: a service id is listed twice")
        prefixes = [s.prefix for s in self.services]
        if len(prefixes) != len(set(prefixes)):
            raise ValueError("services: two services share a ticket prefix")
        served: set[str] = set()
        numbers: set[int] = set()
        for index, window in enumerate(self.windows):
            if window.number in numbers:
                raise ValueError(f"windows[{index}].number: window {window.number} listed twice")
            numbers.add(window.number)
            for sid in window.services:
                if sid not in service_ids:
                    raise ValueError(
                        f"windows[{index}].services: unknown service {sid!r}; "
                        f"known: {', '.join(service_ids)}"
                    )
                served.add(sid)
        unserved = [sid for sid in service_ids if sid not in served]
        if unserved:
            raise ValueError(f"services: no window serves {', '.join(unserved)}")

    def service(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def service_by_prefix(self, prefix: str) -> Service:
        for service in self.services:
            if service.prefix == prefix:
                return service
        raise KeyError(prefix)

    def window(self, number: int) -> ServiceWindow:
        for window in self.windows:
            if window.number == number:
                return window
        raise KeyError(number)

    def directions(self, service_id: str, window: int | None = None) -> tuple[WindowGroup, ...]:
        """Where a ticket of ``service_id`` is served: its windows grouped by area, in the
        file's order; only ``window`` once the ticket has been called there."""
        service = self.service(service_id)
        if window is not None:
            serving = [w for w in self.windows if w.number == window]
        else:
            serving = [w for w in self.windows if service_id in w.services]
        groups: dict[tuple[str, str], list[int]] = {}
        for w in serving:
            area = (service.area_zh, service.area_en) if service.area_zh else (w.area_zh, w.area_en)
            groups.setdefault(area, []).append(w.number)
        return tuple(WindowGroup(zh, en, tuple(numbers)) for (zh, en), numbers in groups.items())

    def channel(self, channel_id: str) -> Channel:
        for channel in self.channels:
            if channel.id == channel_id:
                return channel
        raise KeyError(channel_id)

    def regular_hours(self, weekday: str) -> tuple[TimeRange, ...]:
        ranges: list[TimeRange] = []
        for weekly in self.regular:
            if weekday in weekly.days:
                ranges.extend(weekly.hours)
        return tuple(sorted(ranges, key=lambda r: r.start))


def _labelled(
    key: str, rules: Iterable[WeeklyHours | PeriodRule], day: str
) -> list[tuple[str, TimeRange]]:
    spans = []
    for index, rule in enumerate(rules):
        if day in rule.days:
            for hour_index, span in enumerate(rule.hours):
                spans.append((f"{key}[{index}].hours[{hour_index}]", span))
    return spans


def _ensure_disjoint(spans: list[tuple[str, TimeRange]], day: str) -> None:
    ordered = sorted(spans, key=lambda item: item[1].start)
    for (key_a, a), (key_b, b) in pairwise(ordered):
        if a.overlaps(b):
            raise ValueError(f"{key_b} {b} overlaps {key_a} {a} on {day}")
