"""Refusals of the central store, each with an HTTP status, a stable code and a message.

The code is for programs (the kiosk maps it to its own behaviour); the message is the Chinese
sentence staff or a citizen can be shown as it is.
"""

from __future__ import annotations

from typing import Any


class CentralError(Exception):
    status = 400

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


class NotFound(CentralError):
    status = 404


class Unauthorized(CentralError):
    status = 401


class Forbidden(CentralError):
    status = 403


class Conflict(CentralError):
    """The request is well formed but the booking's state or the slot does not allow it."""

    status = 409


class Refused(CentralError):
    """A hall rule says no (lead time, closed day, not a slot, no approver...)."""

    status = 422
