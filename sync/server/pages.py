"""The staff pages' templates (Jinja2), shared by the booking desk and the error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from kiosk.domain.booking_code import booking_code
from kiosk.domain.follow_up import FollowUpStage, FollowUpState, FollowUpStep
from kiosk.domain.rating import LEVEL_TEXT, RatingLevel
from kiosk.i18n import _
from kiosk.messages import STAGE_TEXT, STATE_TEXT, STEP_TEXT, deadline_text
from sync.server.bookings import status_label

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals["_"] = _
templates.env.globals["status_label"] = status_label
templates.env.globals["booking_code"] = booking_code
templates.env.globals["stage_label"] = lambda stage: _(STAGE_TEXT[FollowUpStage(stage)])
templates.env.globals["state_label"] = lambda state: _(STATE_TEXT[FollowUpState(state)])
templates.env.globals["step_label"] = lambda step: _(STEP_TEXT[FollowUpStep(step)])
templates.env.globals["level_label"] = lambda level: _(LEVEL_TEXT[RatingLevel(level)])
templates.env.globals["deadline_text"] = deadline_text


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
