"""The staff pages' templates (Jinja2), shared by the booking desk and the error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from kiosk.domain.booking_code import booking_code
from kiosk.i18n import _
from sync.server.bookings import status_label

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals["_"] = _
templates.env.globals["status_label"] = status_label
templates.env.globals["booking_code"] = booking_code


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
