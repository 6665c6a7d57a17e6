"""The page a ticket's QR code opens: where the holder stands in the queue, on their phone.

A small web app on the hall's network (``kiosk queue-page serve``) over the hall store. It shows
a number's state, the people ahead and the estimated wait, and refreshes itself; it shows no
name and nothing of the booking, so a photographed QR code gives away only a queue position.
The kiosk prints ``<queue_page_url>/queue/<hall>/<day>/<number>`` when ``queue_page_url`` is set.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from kiosk.clock import Clock
from kiosk.i18n import translations
from kiosk.services.queries import ticket_progress
from kiosk.services.views import TicketView
from kiosk.store.hallstore import HallStore

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
REFRESH_SECONDS = 15

STATE_TEXT = {
    "waiting": "等候中",
    "called": "请到窗口办理",
    "serving": "正在办理",
    "done": "已办结",
    "no_show": "已过号，请到窗口咨询",
    "transferred": "已转到其他事项",
    "cancelled": "已取消",
}


def progress_document(view: TicketView) -> dict[str, Any]:
    return {
        "number": view.number,
        "service": view.service_id,
        "status": view.status,
        "window": view.window,
        "ahead": view.ahead,
        "wait_minutes": view.wait_minutes,
    }


def create_queue_page(store: HallStore, clock: Clock) -> FastAPI:
    app = FastAPI(title="hall-kiosk queue page", docs_url=None, redoc_url=None)

    @app.get("/queue/{hall_id}/{day}/{number}", response_model=None)
    def queue(
        request: Request,
        hall_id: str,
        day: date,
        number: str,
        format: str = "html",
        lang: str = "zh_CN",
    ) -> Response:
        if hall_id != store.hall.id:
            raise HTTPException(404, "this page serves another hall")
        if lang not in ("zh_CN", "en"):
            lang = "zh_CN"
        view = ticket_progress(store, number, day, clock.now())
        if view is None:
            raise HTTPException(404, "no such ticket")
        if format == "json":
            return JSONResponse(progress_document(view))
        t = translations(lang).gettext
        english = lang == "en"
        return TEMPLATES.TemplateResponse(
            request,
            "queue.html",
            {
                "t": t,
                "lang": lang,
                "hall": store.hall.name_en if english else store.hall.name_zh,
                "service": view.service_name_en if english else view.service_name_zh,
                "view": view,
                "state": t(STATE_TEXT.get(view.status, view.status)),
                "refresh": REFRESH_SECONDS if view.status in ("waiting", "called") else None,
                "today": view.day == clock.now().date(),
            },
        )

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
