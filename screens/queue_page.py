"""The page a ticket's QR code opens: where the holder stands in the queue, on their phone.

A small web app on the hall's network (``kiosk queue-page serve``) over the hall store. The
ticket's link (``screens.slips.queue_link``) is ``<queue_page_url>/q/<token>``: the token opens
that one ticket and cannot be made from a number (``kiosk.domain.links``). The page shows the
ticket's state, the people ahead and the wait, and is kept current by Server-Sent Events from
the hall's event stream: one ``HallFeed`` per server process, woken by PostgreSQL ``NOTIFY`` or
inotify on the SQLite WAL, keeps the recent events in memory, and each open page gets every
event that concerns its ticket, once, with the event's ``seq`` as the SSE id. A phone that lost
its connection reconnects with ``Last-Event-ID`` and gets what it missed from there (from the
log when the memory no longer reaches back). Two or fewer ahead, the page says "快到您了，请回
到等候区" and vibrates; after the service it takes the same five-level rating as the window's
pad, once. It shows no name and nothing of the booking.

The older number link (``/queue/<hall>/<day>/<number>``, printed before the token) still shows
the position, read-only.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from kiosk.clock import Clock
from kiosk.domain.rating import LEVEL_TEXT, LEVELS, RatingChannel
from kiosk.i18n import translations, use_language
from kiosk.ports.hall_changes import HallChanges
from kiosk.services.feed import HallEvent, HallFeed, read_events
from kiosk.services.phone import phone_progress, ticket_for_token
from kiosk.services.queries import last_seq, ticket_progress
from kiosk.services.ratings import RatingRefused, rate
from kiosk.services.views import TicketView
from kiosk.store.changes import changes_for
from kiosk.store.hallstore import HallStore

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
REFRESH_SECONDS = 15
#: Events kept in memory for the open pages; a page further behind reads the log.
BUFFER = 5000
#: A comment line on an idle stream, so proxies and phones keep the connection.
KEEPALIVE_SECONDS = 15.0
#: How soon a browser reconnects after the stream dropped (the SSE ``retry`` field).
RETRY_MS = 1000

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


class PageStream:
    """The hall's events for the open pages: one feed thread, a memory of recent events, and
    an asyncio wake-up for the connections waiting on the server's event loop."""

    def __init__(self, store: HallStore, changes: HallChanges | None) -> None:
        self.store = store
        self.changes = changes
        self.recent: deque[HallEvent] = deque(maxlen=BUFFER)
        self.floor = 0  # every event after ``floor`` up to the newest is in ``recent``
        self.lock = threading.Lock()
        self.feed: HallFeed | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake = asyncio.Event()
        self.connections = 0

    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()
        self.floor = last_seq(self.store)
        changes = self.changes or changes_for(self.store.engine, self.store.hall.id)
        self.feed = HallFeed(self.store, changes, self._arrived, after=self.floor, name="page")
        self.feed.start()

    def stop(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def _arrived(self, batch: list[HallEvent]) -> None:  # the feed's thread
        with self.lock:
            for event in batch:
                if len(self.recent) == self.recent.maxlen:
                    self.floor = self.recent[0].seq
                self.recent.append(event)
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._ring)

    def _ring(self) -> None:
        self.wake.set()
        self.wake = asyncio.Event()

    @property
    def newest(self) -> int:
        with self.lock:
            return self.recent[-1].seq if self.recent else self.floor

    def after(self, seq: int) -> list[HallEvent] | None:
        """Events after ``seq`` from memory, or None when memory does not reach back."""
        with self.lock:
            if seq < self.floor:
                return None
            return [event for event in self.recent if event.seq > seq]

    async def events_after(self, seq: int) -> list[HallEvent]:
        cached = self.after(seq)
        if cached is not None:
            return cached
        events: list[HallEvent] = []
        while True:  # a long-disconnected page: from the log, then from memory
            batch = await run_in_threadpool(read_events, self.store, seq)
            if not batch:
                return events
            events += batch
            seq = batch[-1].seq
            cached = self.after(seq)
            if cached is not None:
                return events + cached


def _sse(seq: int, name: str, document: dict[str, Any]) -> str:
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return f"id: {seq}\nevent: {name}\ndata: {data}\n\n"


def create_queue_page(
    store: HallStore, clock: Clock, changes: HallChanges | None = None
) -> FastAPI:
    stream = PageStream(store, changes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stream.start()
        try:
            yield
        finally:
            stream.stop()

    app = FastAPI(title="hall-kiosk queue page", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.stream = stream

    def ticket_of(token: str) -> int:
        ticket_id = ticket_for_token(store, token)
        if ticket_id is None:
            raise HTTPException(404, "no such ticket")
        return ticket_id

    @app.get("/q/{token}", response_model=None)
    def live_page(request: Request, token: str, lang: str = "zh_CN") -> Response:
        ticket_id = ticket_of(token)
        if lang not in ("zh_CN", "en"):
            lang = "zh_CN"
        seq = stream.newest
        progress = phone_progress(store, ticket_id, clock.now(), seq)
        t = translations(lang).gettext
        english = lang == "en"
        levels = [(level.value, t(LEVEL_TEXT[level]), level.score) for level in LEVELS]
        reasons = [
            (r.id, r.name_en if english and r.name_en else r.name_zh)
            for r in store.hall.rating.reasons
        ]
        texts = {key: t(value) for key, value in STATE_TEXT.items()}
        return TEMPLATES.TemplateResponse(
            request,
            "live.html",
            {
                "t": t,
                "lang": lang,
                "hall": store.hall.name_en if english else store.hall.name_zh,
                "token": token,
                "progress": progress.document,
                "levels": levels,
                "reasons": reasons,
                "texts": texts,
                "retry_ms": RETRY_MS,
            },
        )

    @app.get("/q/{token}/state")
    def state(token: str) -> dict[str, Any]:
        return phone_progress(store, ticket_of(token), clock.now(), stream.newest).document

    @app.get("/q/{token}/events")
    async def events(request: Request, token: str, after: int | None = None) -> Response:
        ticket_id = await run_in_threadpool(ticket_of, token)
        header = request.headers.get("last-event-id", "").strip()
        last = int(header) if header.isdigit() else (after if after is not None else stream.newest)

        async def messages() -> AsyncIterator[str]:
            nonlocal last
            stream.connections += 1
            try:
                yield f"retry: {RETRY_MS}\n\n"
                while True:
                    wake = stream.wake
                    batch = await stream.events_after(last)
                    if batch:
                        progress = await run_in_threadpool(
                            phone_progress, store, ticket_id, clock.now(), batch[-1].seq
                        )
                        for event in batch:
                            if progress.concerns(event):
                                doc = dict(progress.document, seq=event.seq, type=event.type)
                                yield _sse(event.seq, "progress", doc)
                        last = batch[-1].seq
                        continue
                    if await request.is_disconnected():
                        return
                    try:
                        await asyncio.wait_for(wake.wait(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
            finally:
                stream.connections -= 1

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(messages(), media_type="text/event-stream", headers=headers)

    @app.post("/q/{token}/rating")
    def rating(
        token: str,
        body: Annotated[dict[str, Any], Body()],
        lang: str = "zh_CN",
    ) -> JSONResponse:
        ticket_id = ticket_of(token)
        reasons = body.get("reasons") or []
        comment = body.get("comment")
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            raise HTTPException(400, "reasons: a list of reason ids")
        if comment is not None and not isinstance(comment, str):
            raise HTTPException(400, "comment: text")
        with use_language(lang if lang in ("zh_CN", "en") else "zh_CN"):
            try:
                rate(
                    store,
                    ticket_id,
                    str(body.get("level", "")),
                    clock.now(),
                    channel=RatingChannel.PHONE,
                    reasons=reasons,
                    comment=comment,
                )
            except RatingRefused as refused:
                status = 409 if refused.code == "already_rated" else 400
                return JSONResponse(
                    {"error": refused.code, "message": str(refused)}, status_code=status
                )
        return JSONResponse(phone_progress(store, ticket_id, clock.now()).document)

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
