"""Who may call the central store: devices with a per-hall token, staff with a password.

Device tokens are long random strings shown once when made; the store keeps their SHA-256
(enough for a 256-bit random secret, and a lookup by hash is one indexed query). A server
process keeps what it looked up for ``TOKEN_CACHE_SECONDS``, so a kiosk's pull every few
seconds does not ask the database who it is; a revoked token stops working within that bound
(at once on PostgreSQL, where the revocation is notified to every process).

Staff passwords are chosen by people, so they get scrypt with a per-password salt, computed on
threads of their own (``PasswordHasher``), never on the API's. Staff logins have a role and,
below county admin, the halls they act for; sessions are random cookie tokens, stored hashed,
with a CSRF token per session for the forms.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import anyio.to_thread
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from kiosk.i18n import _
from sync.server.errors import Busy, CentralError, Forbidden, NotFound, Unauthorized
from sync.server.models import Device, Staff, StaffHall, StaffSession

TOKEN_PREFIX = "hk1_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8
#: How long a server process trusts what it read about a device token (revocation bound).
TOKEN_CACHE_SECONDS = 10.0


def utcnow() -> datetime:
    """Devices and sessions are kept in UTC: they are about this server, not a hall's rules."""
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- devices -------------------------------------------------------------------------------------


def add_device(session: Session, hall_id: str, name: str) -> tuple[Device, str]:
    """A new device of a hall and its token; the token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device(
        hall_id=hall_id,
        name=name,
        token_hash=hash_token(token),
        created_at=utcnow(),
        last_sequence=0,
    )
    session.add(device)
    session.flush()
    return device, token


def revoke_device(session: Session, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("unknown_device", f"no device {device_id}")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    return device


def list_devices(session: Session) -> list[Device]:
    return list(session.scalars(select(Device).order_by(Device.hall_id, Device.id)))


@dataclass(frozen=True)
class DevicePrincipal:
    device_id: int
    hall_id: str
    name: str

    def require_hall(self, hall_id: str) -> None:
        if hall_id != self.hall_id:
            raise Forbidden(
                "wrong_hall",
                _("该设备只能访问本中心（{own}）的数据").format(own=self.hall_id),
                hall=hall_id,
            )


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("no_token", "missing 'Authorization: Bearer <device token>' header")
    scheme, _sep, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("no_token", "the Authorization header must be 'Bearer <device token>'")
    return token.strip()


@dataclass(frozen=True)
class _Known:
    principal: DevicePrincipal
    revoked: bool
    until: float

    def check(self) -> DevicePrincipal:
        if self.revoked:
            raise Unauthorized("revoked_token", "this device token has been revoked")
        return self.principal


def find_device(connection: Connection, token_hash: str) -> tuple[DevicePrincipal, bool] | None:
    row = connection.execute(
        select(Device.id, Device.hall_id, Device.name, Device.revoked_at).where(
            Device.token_hash == token_hash
        )
    ).first()
    if row is None:
        return None
    return DevicePrincipal(row.id, row.hall_id, row.name), row.revoked_at is not None


class DeviceTokens:
    """Device tokens as every API request checks them, remembered for ``ttl`` seconds.

    ``read`` opens a read transaction (``Central.reading``). An unknown token is not
    remembered: nothing is saved by it, and a flood of made-up tokens must not push the real
    ones out. ``forget_device`` drops a device at once (a revocation notified by PostgreSQL).
    """

    def __init__(
        self,
        read: Callable[[], AbstractContextManager[Connection]],
        ttl: float = TOKEN_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 20_000,
    ) -> None:
        self._read = read
        self.ttl = ttl
        self.clock = clock
        self._max = max_entries
        self._known: dict[str, _Known] = {}

    async def authenticate(self, authorization: str | None) -> DevicePrincipal:
        key = hash_token(bearer_token(authorization))
        known = self._known.get(key)
        if known is None or known.until <= self.clock():
            known = await anyio.to_thread.run_sync(self._load, key)
        return known.check()

    def _load(self, key: str) -> _Known:
        with self._read() as connection:
            found = find_device(connection, key)
        if found is None:
            self._known.pop(key, None)
            raise Unauthorized("bad_token", "unknown device token")
        known = _Known(found[0], found[1], self.clock() + self.ttl)
        if len(self._known) >= self._max:
            self._known.clear()
        self._known[key] = known
        return known

    def forget_device(self, device_id: int) -> None:
        for key, known in list(self._known.items()):
            if known.principal.device_id == device_id:
                self._known.pop(key, None)

    def forget_all(self) -> None:
        self._known.clear()


# --- passwords -----------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(candidate.hex(), digest)


@functools.cache
def stand_in_hash() -> str:
    """What an unknown user name's password is checked against (made once per process, at
    start-up by ``Central.start``), so that it costs what a real check costs."""
    return hash_password(secrets.token_urlsafe(16))


class PasswordHasher:
    """scrypt on ``workers`` threads of its own (hashlib releases the GIL while it hashes), so a
    flood of logins never occupies the threads that answer the kiosks. At most ``queue``
    checks wait; beyond that the login is answered 503 at once.

    ``verify(password, None)`` (no such user, or disabled) checks against a hash made at start
    with the same parameters: an unknown user name takes as long as a known one.
    """

    def __init__(self, workers: int = 1, queue: int = 8) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="scrypt")
        self._slots = threading.BoundedSemaphore(workers + queue)
        self.checks = 0

    async def verify(self, password: str, stored: str | None) -> bool:
        if not self._slots.acquire(blocking=False):
            raise Busy("login_busy", _("登录请求过多，请稍后再试"), retry_after=5)
        try:
            self.checks += 1
            loop = asyncio.get_running_loop()
            ok = await loop.run_in_executor(
                self._executor, verify_password, password, stored or stand_in_hash()
            )
        finally:
            self._slots.release()
        return ok and stored is not None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


# --- staff ---------------------------------------------------------------------------------------


class Role(StrEnum):
    HALL_DESK = "hall_desk"  # 服务台: books and cancels for its halls
    HALL_MANAGER = "hall_manager"  # 中心负责人: the desk's work plus the hall's reports
    COUNTY_ADMIN = "county_admin"  # 县(区)管理员: every hall of the store


class Permission(StrEnum):
    BOOK = "book"
    CANCEL = "cancel"
    HALL_REPORTS = "hall_reports"
    FOLLOW_UP = "follow_up"  # works the follow-ups of its halls' 差评 (回访 → 整改 → 反馈)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HALL_DESK: frozenset({Permission.BOOK, Permission.CANCEL}),
    Role.HALL_MANAGER: frozenset(
        {Permission.BOOK, Permission.CANCEL, Permission.HALL_REPORTS, Permission.FOLLOW_UP}
    ),
    Role.COUNTY_ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class StaffPrincipal:
    """A logged-in staff member: role, the halls they act for (``None``: every hall, the
    county admin) and the session's CSRF token."""

    username: str
    role: Role
    halls: frozenset[str] | None
    csrf_token: str

    def acts_for(self, hall_id: str) -> bool:
        return self.halls is None or hall_id in self.halls

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, hall_id: str, permission: Permission | None = None) -> None:
        if not self.acts_for(hall_id):
            raise Forbidden("not_your_hall", _("您的账号不能办理该服务中心的业务"), hall=hall_id)
        if permission is not None:
            self.require_permission(permission)

    def require_permission(self, permission: Permission) -> None:
        if not self.may(permission):
            raise Forbidden("not_allowed", _("您的账号没有此项权限"), permission=permission.value)

    def visible(self, hall_ids: Iterable[str]) -> list[str]:
        return [hall_id for hall_id in hall_ids if self.acts_for(hall_id)]


def add_staff(
    session: Session,
    username: str,
    password: str,
    role: Role = Role.HALL_DESK,
    halls: Iterable[str] = (),
) -> Staff:
    """Create a staff login, or set a new password, role and halls for an existing one. A
    county admin acts for every hall; any other role needs at least one."""
    username = username.strip()
    if not username or len(username) > 64 or not username.isprintable():
        raise CentralError("invalid_username", "a staff user name is 1-64 printable characters")
    if len(password) < MIN_PASSWORD:
        raise CentralError("weak_password", f"a password needs at least {MIN_PASSWORD} characters")
    hall_ids = sorted(set(halls))
    if role is not Role.COUNTY_ADMIN and not hall_ids:
        raise CentralError("no_halls", f"a {role.value} login needs at least one hall (--hall)")
    if role is Role.COUNTY_ADMIN:
        hall_ids = []
    staff = session.get(Staff, username)
    if staff is None:
        staff = Staff(username=username, created_at=utcnow(), active=True, password_hash="")
        session.add(staff)
    staff.password_hash = hash_password(password)
    staff.active = True
    staff.role = role.value
    session.flush()
    session.execute(delete(StaffHall).where(StaffHall.username == username))
    session.add_all(StaffHall(username=username, hall_id=hall_id) for hall_id in hall_ids)
    session.flush()
    return staff


def login_hash(session: Session, username: str) -> str | None:
    """The stored password hash of an active login, or None (also for a name no login can
    have: empty, too long or with control characters, which PostgreSQL would refuse)."""
    username = username.strip()
    if not username or len(username) > 64 or not username.isprintable():
        return None
    staff = session.get(Staff, username)
    if staff is None or not staff.active:
        return None
    return staff.password_hash


def open_session(session: Session, username: str, hours: int) -> tuple[str, str]:
    """A new session (cookie token, CSRF token) for a login whose password was checked."""
    now = utcnow()
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    session.add(
        StaffSession(
            token_hash=hash_token(token),
            username=username.strip(),
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token, csrf


def staff_for(session: Session, cookie: str | None) -> StaffPrincipal | None:
    if not cookie:
        return None
    row = session.get(StaffSession, hash_token(cookie))
    if row is None or row.expires_at < utcnow():
        return None
    staff = session.get(Staff, row.username)
    if staff is None or not staff.active:
        return None
    role = Role(staff.role)
    halls = None
    if role is not Role.COUNTY_ADMIN:
        halls = frozenset(
            session.scalars(select(StaffHall.hall_id).where(StaffHall.username == staff.username))
        )
    return StaffPrincipal(row.username, role, halls, row.csrf_token)


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison (a CSRF token must not be guessable by timing)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def log_out(session: Session, cookie: str | None) -> None:
    if cookie:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == hash_token(cookie)))
