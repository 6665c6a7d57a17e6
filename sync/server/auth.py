"""Who may call the central store: devices with a per-hall token, staff with a password.

Device tokens are long random strings shown once when made; the store keeps their SHA-256
(enough for a 256-bit random secret, and a lookup by hash is one indexed query). Staff
passwords are chosen by people, so they get scrypt with a per-password salt. Staff sessions are
random cookie tokens, stored hashed, with a CSRF token per session for the forms.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.i18n import _
from sync.server.errors import CentralError, Forbidden, NotFound, Unauthorized
from sync.server.models import Device, Staff, StaffSession

TOKEN_PREFIX = "hk1_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8


def utcnow() -> datetime:
    """Devices and sessions are kept in UTC: they are about this server, not a hall's rules."""
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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


def authenticate_device(session: Session, authorization: str | None) -> DevicePrincipal:
    if not authorization:
        raise Unauthorized("no_token", "missing 'Authorization: Bearer <device token>' header")
    scheme, _sep, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("no_token", "the Authorization header must be 'Bearer <device token>'")
    device = session.scalars(
        select(Device).where(Device.token_hash == hash_token(token.strip()))
    ).one_or_none()
    if device is None:
        raise Unauthorized("bad_token", "unknown device token")
    if device.revoked_at is not None:
        raise Unauthorized("revoked_token", "this device token has been revoked")
    return DevicePrincipal(device.id, device.hall_id, device.name)


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


def add_staff(session: Session, username: str, password: str) -> Staff:
    """Create a staff login, or set a new password for an existing one."""
    username = username.strip()
    if not username or len(username) > 64:
        raise CentralError("invalid_username", "a staff user name is 1-64 characters")
    if len(password) < MIN_PASSWORD:
        raise CentralError("weak_password", f"a password needs at least {MIN_PASSWORD} characters")
    staff = session.get(Staff, username)
    if staff is None:
        staff = Staff(username=username, created_at=utcnow(), active=True, password_hash="")
        session.add(staff)
    staff.password_hash = hash_password(password)
    staff.active = True
    session.flush()
    return staff


@dataclass(frozen=True)
class StaffPrincipal:
    username: str
    csrf_token: str


def log_in(session: Session, username: str, password: str, hours: int) -> tuple[str, str] | None:
    """A new session (cookie token, CSRF token) for good credentials, else None."""
    staff = session.get(Staff, username.strip())
    if staff is None or not staff.active or not verify_password(password, staff.password_hash):
        return None
    now = utcnow()
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    session.add(
        StaffSession(
            token_hash=hash_token(token),
            username=staff.username,
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
    return StaffPrincipal(row.username, row.csrf_token)


def log_out(session: Session, cookie: str | None) -> None:
    if cookie:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == hash_token(cookie)))
