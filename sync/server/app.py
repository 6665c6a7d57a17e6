"""The central booking store as an ASGI application: ``create_app(settings)``.

Served by uvicorn (``kiosk central serve``). The JSON API lives under ``/api/v1`` with its
OpenAPI description at ``/api/v1/openapi.json`` and the docs at ``/api/v1/docs``; the staff
booking desk pages under ``/staff``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.calendar import UnknownYear
from kiosk.messages import no_calendar_text
from sync.protocol import API_PREFIX, ApiError
from sync.server.bookings import ensure_counters
from sync.server.db import open_engine, session_factory, upgrade
from sync.server.errors import CentralError
from sync.server.settings import ServerSettings


@dataclass
class Central:
    """What every request handler needs: the settings and a way to run one transaction."""

    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One database transaction: committed when the block ends, rolled back on an error."""
        with self.sessions.begin() as session:
            yield session


def open_central(settings: ServerSettings, migrate: bool = True) -> Central:
    engine = open_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    central = Central(settings, engine, session_factory(engine))
    with central.transaction() as session:
        ensure_counters(session, sorted(settings.halls))
    return central


def create_app(settings: ServerSettings, central: Central | None = None) -> FastAPI:
    from sync.server import api, staff

    app = FastAPI(
        title="hall-kiosk central booking store",
        version="1",
        description=(
            "Bookings of the service halls, by phone, online, at the volunteer desk and at the "
            "kiosks; pulled by the halls by cursor, with kiosk events pushed back in batches "
            "with idempotency keys. Times are hall-local wall time without an offset."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.central = central or open_central(settings)
    app.include_router(api.router, prefix=API_PREFIX)
    app.include_router(staff.router)
    app.add_exception_handler(CentralError, _central_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownYear, _unknown_year)  # type: ignore[arg-type]

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/staff/", status_code=303)

    return app


def _central_error(_request: Request, error: CentralError) -> JSONResponse:
    body = ApiError(error=error.code, message=error.message, detail=error.detail)
    return JSONResponse(body.model_dump(), status_code=error.status)


def _unknown_year(_request: Request, error: UnknownYear) -> JSONResponse:
    """A date in a year without holiday data, on any route: 409 saying which year is missing
    and what the hall must add; never a 500, never a guess."""
    body = ApiError(
        error="no_calendar",
        message=no_calendar_text(error.year),
        detail={"year": error.year, "file": error.path, "fix": str(error)},
    )
    return JSONResponse(body.model_dump(), status_code=409)


def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    """422 naming each bad field. The offending input is left out: it may be an ID number."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append({"field": where, "message": message})
    text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    body = ApiError(error="invalid_request", message=text, detail={"errors": problems})
    return JSONResponse(body.model_dump(), status_code=422)
