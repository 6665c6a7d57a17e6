"""Failed staff logins, counted per user name and per client address in the database (so every
server process, on every machine, counts the same attempts), with lock-out and back-off.

Within ``window`` a user name may fail ``user_failures`` times and an address
``address_failures`` times (higher: a hall's office shares one address); the next failure
locks that key for ``first_lock``, each further lock twice as long as the one before, up to
``longest_lock``. A locked key is refused without checking the password at all. A good
password clears the user name's count (not the address's: one good account must not reset an
attacker's address). Whether the user name exists plays no part, so a lock tells nothing
about which names are real.

Before any of this, ``LoginGate`` sheds a flood in the server process itself: per client
address and in total, login attempts beyond a token-bucket rate are answered 429 after a
short hold (no form is read, no database asked), so a flood costs the server almost nothing
and the kiosks' pulls keep their pace. That is capacity protection of one process, not state
processes must agree on.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk.i18n import _
from sync.server.errors import TooMany
from sync.server.models import LoginThrottle


@dataclass(frozen=True)
class ThrottleRules:
    user_failures: int = 5
    address_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    first_lock: timedelta = timedelta(minutes=1)
    longest_lock: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class LoginKeys:
    user: str
    address: str


def login_keys(username: str, address: str) -> LoginKeys:
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    return LoginKeys(key("user:" + username.strip().casefold()), key("address:" + address))


def locked_for(session: Session, keys: LoginKeys, now: datetime) -> int | None:
    """Seconds until both keys may try again, or None when neither is locked."""
    until = session.scalars(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_([keys.user, keys.address]),
            LoginThrottle.locked_until > now,
        )
    ).all()
    if not until:
        return None
    latest = max(moment for moment in until if moment is not None)  # the query excludes NULL
    return max(1, int((latest - now).total_seconds() + 0.999))


def _row(session: Session, key: str, now: datetime) -> LoginThrottle:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(LoginThrottle)
        .values(key=key, failures=0, window_started_at=now, lockouts=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.scalars(
        select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    ).one()


def _fail(row: LoginThrottle, limit: int, rules: ThrottleRules, now: datetime) -> int | None:
    if row.window_started_at < now - rules.window:
        row.failures = 0
        row.window_started_at = now
        if row.locked_until is None or row.locked_until < now - rules.longest_lock:
            row.lockouts = 0  # quiet for long enough: back-off starts again from the first lock
    row.failures += 1
    if row.failures < limit:
        return None
    lock = min(rules.first_lock * 2**row.lockouts, rules.longest_lock)
    row.locked_until = now + lock
    row.lockouts += 1
    row.failures = 0
    row.window_started_at = now
    return int(lock.total_seconds())


def record_failure(
    session: Session, keys: LoginKeys, now: datetime, rules: ThrottleRules
) -> int | None:
    """Count a failed attempt on both keys; the lock in seconds if this one locked a key."""
    locks = [
        _fail(_row(session, keys.user, now), rules.user_failures, rules, now),
        _fail(_row(session, keys.address, now), rules.address_failures, rules, now),
    ]
    found = [lock for lock in locks if lock is not None]
    return max(found) if found else None


def record_success(session: Session, keys: LoginKeys) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.user))


def locked_error(seconds: int) -> TooMany:
    minutes = max(1, (seconds + 59) // 60)
    return TooMany(
        "login_locked",
        _("登录失败次数过多，请 {minutes} 分钟后再试").format(minutes=minutes),
        retry_after=seconds,
    )


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class LoginGate:
    """Token buckets for login attempts in this process: ``per_address`` per second (burst
    ``address_burst``) for each client address, ``total`` per second (burst ``total_burst``)
    for all. An attempt over either is held ``hold_seconds`` (a flooding client waits instead
    of sending the next) and refused with 429; at most ``max_held`` wait at once, the rest are
    refused at once."""

    per_address: float = 1.0
    address_burst: float = 5.0
    total: float = 10.0
    total_burst: float = 20.0
    hold_seconds: float = 1.0
    max_held: int = 256
    max_addresses: int = 10_000
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    refused: int = 0
    _addresses: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict, repr=False)
    _all: _Bucket | None = field(default=None, repr=False)
    _held: int = 0

    def _take(self, bucket: _Bucket, rate: float, burst: float, now: float) -> bool:
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def allow(self, address: str) -> bool:
        now = self.clock()
        bucket = self._addresses.pop(address, None) or _Bucket(self.address_burst, now)
        self._addresses[address] = bucket
        while len(self._addresses) > self.max_addresses:
            self._addresses.popitem(last=False)
        if self._all is None:
            self._all = _Bucket(self.total_burst, now)
        if not self._take(bucket, self.per_address, self.address_burst, now):
            return False
        return self._take(self._all, self.total, self.total_burst, now)

    async def admit(self, address: str) -> None:
        """Return when an attempt from ``address`` may go on; raise ``TooMany`` otherwise."""
        if self.allow(address):
            return
        self.refused += 1
        if self._held < self.max_held:
            self._held += 1
            try:
                await asyncio.sleep(self.hold_seconds)
            finally:
                self._held -= 1
        raise TooMany("login_flood", _("登录请求过于频繁，请稍后再试"), retry_after=5)
