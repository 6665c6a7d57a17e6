"""Refusals of the central store, each with an HTTP status, a stable code and a message.

The code is for programs (the kiosk maps it to its own behaviour); the message is the Chinese
sentence staff or a citizen can be shown as it is. ``sync.server.problems`` turns every one of
them into the answer (JSON for the API, an HTML page for the staff forms).

A domain error (an exception of ``kiosk.domain`` that a request can provoke) becomes a problem
in one place, ``DOMAIN_PROBLEMS``: add its class with the status, code, message (and detail),
and every route answers it that way instead of with a 500: JSON on the API, an HTML page on
the staff pages (a page that can show the reason in its own form catches it itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.domain.calendar import UnknownYear
from kiosk.domain.identity import InvalidIdNumber
from kiosk.messages import no_calendar_text


class CentralError(Exception):
    status = 400

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    @property
    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(CentralError):
    """The request cannot be read at all (not UTF-8, not JSON, not a form)."""


class Unauthorized(CentralError):
    status = 401

    @property
    def headers(self) -> dict[str, str]:
        scheme = 'Bearer realm="hall-kiosk central store"'
        if self.code != "no_token":
            scheme += ', error="invalid_token"'
        return {"WWW-Authenticate": scheme}


class Forbidden(CentralError):
    status = 403


class NotFound(CentralError):
    status = 404


class Conflict(CentralError):
    """The request is well formed but the booking's state or the slot does not allow it."""

    status = 409


class TooLarge(CentralError):
    status = 413


class Refused(CentralError):
    """A hall rule says no (lead time, closed day, not a slot, no approver...)."""

    status = 422


class _RetryLater(CentralError):
    def __init__(self, code: str, message: str, retry_after: int, **detail: Any) -> None:
        super().__init__(code, message, retry_after=retry_after, **detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TooMany(_RetryLater):
    """Too many attempts (failed logins): locked for ``retry_after`` seconds."""

    status = 429


class Busy(_RetryLater):
    """The server sheds this kind of work for now (password checks queued up)."""

    status = 503


@dataclass(frozen=True)
class DomainProblem:
    status: int
    code: str
    message: Callable[[Any], str]  # of the error of the class it is listed under
    detail: Callable[[Any], dict[str, Any]] = lambda _error: {}


#: Domain errors a request can provoke, and the problem each one is answered with.
DOMAIN_PROBLEMS: dict[type[Exception], DomainProblem] = {
    InvalidIdNumber: DomainProblem(422, "invalid_id_number", str),
    # A date in a year without holiday data, on any route: which year is missing and what the
    # hall must add (never a 500, never a guess).
    UnknownYear: DomainProblem(
        409,
        "no_calendar",
        lambda e: no_calendar_text(e.year),
        lambda e: {"year": e.year, "file": e.path, "fix": str(e)},
    ),
}


def as_problem(error: BaseException) -> CentralError | None:
    """The problem an exception is answered with, or None for an unexpected one (a 500)."""
    if isinstance(error, CentralError):
        return error
    for kind in type(error).__mro__:
        rule = DOMAIN_PROBLEMS.get(kind)
        if rule is not None:
            problem = CentralError(rule.code, rule.message(error), **rule.detail(error))
            problem.status = rule.status
            return problem
    return None
