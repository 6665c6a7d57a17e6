"""How the central store answers what it will not or cannot do: one shape per audience.

The API answers ``ApiError`` JSON (``{"error": code, "message": text, "detail": {...}}``) with
the status of the problem; the staff pages answer an HTML page with the same message. Every
problem the API can answer is listed in the OpenAPI document (``responses``), so a client (and
schemathesis) knows each one.

An exception nobody expected becomes a 500 ``internal_error``. Its log line names the route's
template, the exception's class and where it was raised, never its message or arguments: a
database error's message quotes the statement's parameters, a validation error the input, and
either may hold an ID number.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from kiosk.i18n import _
from sync.protocol import ApiError
from sync.server.errors import DOMAIN_PROBLEMS, CentralError, as_problem

log = logging.getLogger("sync.server")

_HTTP_CODES = {
    400: ("bad_request", "请求内容无法读取（须为 UTF-8 编码的 JSON 或表单）"),
    404: ("not_found", "没有这个地址"),
    405: ("method_not_allowed", "该地址不支持这种请求方法"),
    413: ("too_large", "请求内容过大"),
}
_TITLES = {
    400: "请求无法读取",
    401: "请先登录",
    403: "无权进行此操作",
    404: "未找到",
    409: "无法办理",
    413: "内容过大",
    422: "内容有误",
    429: "尝试次数过多",
    503: "服务繁忙",
}


def is_page(path: str) -> bool:
    """Staff pages (HTML) rather than the API (JSON)."""
    return path == "/" or path == "/staff" or path.startswith("/staff/")


def internal_error() -> CentralError:
    error = CentralError("internal_error", _("服务器内部错误，请稍后再试；问题已记录"))
    error.status = 500
    return error


def problem_response(
    request: Request, error: CentralError, fields: list[str] | None = None
) -> Response:
    if is_page(request.url.path):
        from sync.server.pages import render

        context = {
            "staff": None,
            "hall": None,
            "title": _(_TITLES.get(error.status, "出错了")),
            "code": error.code,
            "message": error.message,
            "fields": fields or [],
        }
        return render(request, "error.html", context, error.status, error.headers)
    body = ApiError(error=error.code, message=error.message, detail=error.detail)
    return JSONResponse(body.model_dump(), status_code=error.status, headers=error.headers)


def _known(request: Request, error: Exception) -> Response:
    problem = as_problem(error)
    assert problem is not None
    return problem_response(request, problem)


def _invalid_request(request: Request, error: RequestValidationError) -> Response:
    """422 naming each bad field. The offending input is left out: it may be an ID number."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append({"field": where, "message": message})
    text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    if is_page(request.url.path):
        problem = CentralError("invalid_form", _("表单内容不完整或格式不正确，请返回修改后重试"))
        problem.status = 422
        return problem_response(request, problem, [p["field"] for p in problems])
    problem = CentralError("invalid_request", text, errors=problems)
    problem.status = 422
    return problem_response(request, problem)


def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    code, message = _HTTP_CODES.get(error.status_code, ("http_error", "请求无法处理"))
    problem = CentralError(code, _(message))
    problem.status = error.status_code
    response = problem_response(request, problem)
    if error.headers:
        response.headers.update(error.headers)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(CentralError, _known)
    for kind in DOMAIN_PROBLEMS:
        app.add_exception_handler(kind, _known)
    # Starlette types a handler as taking any Exception, so one for a subclass needs the ignore.
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


def log_unexpected(scope: Scope, error: BaseException) -> None:
    """The 500's log line: route template, exception classes and frames, no values."""
    route = scope.get("route")
    template: str = getattr(route, "path", None) or "(no route)"
    name = getattr(route, "name", None)
    if name:
        template += f" ({name})"
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    causes: list[str] = []
    cause = error.__cause__ or error.__context__
    while cause is not None and len(causes) < 3:
        causes.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    chain = f" (from {' < '.join(causes)})" if causes else ""
    log.error(
        "500 internal_error on %s %s: %s%s at %s",
        scope.get("method"),
        template,
        type(error).__name__,
        chain,
        where,
    )


# --- the OpenAPI description of the problems -----------------------------------------------------

_DESCRIPTIONS = {
    304: "nothing changed since the answer whose ETag was sent in If-None-Match",
    400: "the body cannot be read (not UTF-8, not JSON)",
    401: "no token, an unknown token or a revoked one",
    403: "the token belongs to another hall",
    404: "no such booking in this hall",
    409: "the booking's state, the slot or the day's calendar does not allow it",
    413: "the body is larger than this route takes",
    422: "a field is malformed, or a hall rule refuses the request",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a route besides its success: each problem status with the
    ``ApiError`` body (401 with its ``WWW-Authenticate`` header)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"description": _DESCRIPTIONS[status]}
        if status != 304:
            entry["model"] = ApiError
        if status == 401:
            entry["headers"] = {
                "WWW-Authenticate": {
                    "description": "Bearer challenge",
                    "schema": {"type": "string"},
                }
            }
        out[status] = entry
    return out
