"""The demo's card drawer: put a demo card on the simulated reader, see the printed ticket.

A window beside the kiosk lists the demo cards with what their holder is there for (booked now,
booked too early or too late, booked another day, no booking, expired card). Tapping one puts it
on the reader through the simulator's control socket and takes it away again a moment later,
like a hand laying a card down; the newest ticket the simulated printer made is shown beside.

``python -m screens.card_drawer --cards cards.json --reader LINK --tickets DIR [--hall ID]
[--at YYYY-MM-DDTHH:MM] [--size WxH]``; ``cards.json`` is written by ``kiosk demo``.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.errors import ExitCode

log = logging.getLogger(__name__)

#: Seconds a card lies on the reader before the drawer takes it back.
LIE_SECONDS = 2.5
TICKET_POLL_SECONDS = 1.0


def describe_card(entry: dict[str, Any], today: str, language: str) -> str:
    """What the holder of a card in ``cards.json`` is there for, in ``language``."""
    from kiosk.i18n import translations

    def tr(message: str, language: str) -> str:
        return translations(language).gettext(message)

    role = entry["role"]
    if role == "expired":
        return tr("证件已过期", language)
    slot = entry.get("slot_start")
    if not slot:
        return tr("没有预约：可现场取号或预约", language)
    service = entry["service_en"] if language == "en" and entry["service_en"] else entry["service"]
    when = f"{slot[11:16]}-{entry['slot_end'][11:16]}"
    if slot[:10] != today:
        when = f"{slot[5:10]} {when}"
    if slot[:10] != today:
        text = tr("已预约 {when} {service}（不是今天）", language)
    else:
        text = {
            "on_time": tr("已预约今天 {when} {service}：现在可签到", language),
            "too_early": tr("已预约今天 {when} {service}：来早了", language),
            "too_late": tr("已预约今天 {when} {service}：已过签到时间", language),
        }[entry["timing"]]
    return text.format(when=when, service=service)


def newest_ticket(folder: Path) -> Path | None:
    tickets = sorted(folder.glob("job-*.png"))
    return tickets[-1] if tickets else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="card-drawer", description=__doc__)
    parser.add_argument("--cards", required=True, type=Path, help="cards.json of `kiosk demo`")
    parser.add_argument("--reader", required=True, type=Path, help="the simulator's --link")
    parser.add_argument("--tickets", required=True, type=Path, help="the printer's preview dir")
    parser.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    parser.add_argument("--at", help="hall clock from YYYY-MM-DDTHH:MM")
    parser.add_argument("--size", default="960x820", help="window size WIDTHxHEIGHT")
    args = parser.parse_args(argv)

    from kiosk.clock import parse_minute
    from kiosk.config import load_calendar, load_hall
    from kiosk.settings import load_settings
    from screens import env

    settings = load_settings()
    hall = load_hall(settings.require_hall(args.hall))
    at = parse_minute(args.at) if args.at else None
    env.prepare(env.parse_size(args.size), title="证件抽屉 · Card drawer")
    entries = json.loads(args.cards.read_text(encoding="utf-8"))

    from kiosk.clock import running_clock as hall_clock

    app = _drawer_app()(
        hall, load_calendar(), hall_clock(hall.timezone, at), entries, args.reader, args.tickets
    )
    app.run()
    return ExitCode.OK


def _drawer_app() -> Any:
    """The App class, made after ``env.prepare`` (Kivy's window settings are read at import)."""
    from kivy.clock import Clock
    from kivy.factory import Factory
    from kivy.properties import ListProperty, StringProperty

    from kiosk.sd_notify import ready
    from screens.base import HallApp, load_kv
    from screens.fonts import register_cjk_font

    class CardDrawerApp(HallApp):
        cards = ListProperty([])  # [(stem, label, description)]
        ticket_source = StringProperty("")
        status = StringProperty("")

        def __init__(
            self,
            hall: Any,
            calendar: Any,
            clock: Any,
            entries: list[dict[str, Any]],
            reader: Path,
            tickets: Path,
        ) -> None:
            super().__init__(hall, calendar, clock)
            self.entries = {e["card"]: e for e in entries}
            self.reader = reader
            self.tickets = tickets
            self._taking_back: Any = None

        def build(self) -> Any:
            register_cjk_font()
            load_kv("widgets", "card_drawer")
            self.title = self.t("证件抽屉")
            return Factory.CardDrawer()

        def on_start(self) -> None:
            self.refresh_header()
            self.refresh_cards()
            self.status = self.t("点一张证件，它就放到自助机的读卡器上")
            Clock.schedule_interval(self._poll_tickets, TICKET_POLL_SECONDS)
            Clock.schedule_interval(lambda _dt: self.refresh_header(), 30)
            Clock.schedule_once(lambda _dt: ready("card drawer up"), 0)

        def on_lang(self, *args: object) -> None:
            super().on_lang(*args)
            self.refresh_cards()

        def refresh_cards(self) -> None:
            today = f"{self.now():%Y-%m-%d}"
            self.cards = [
                (stem, e["label"], describe_card(e, today, self.lang))
                for stem, e in self.entries.items()
            ]

        def place(self, stem: str) -> None:
            """Lay the card on the reader, take it back after ``LIE_SECONDS``."""
            entry = self.entries[stem]
            if self._taking_back is not None:
                self._taking_back.cancel()
            self.status = self.t("已放上：{card}").format(card=entry["label"])
            self._send({"op": "place", "card": entry["path"]})
            self._taking_back = Clock.schedule_once(self._take_back, LIE_SECONDS)

        def _take_back(self, _dt: float) -> None:
            self._taking_back = None
            self._send({"op": "remove"})

        def _send(self, request: dict[str, Any]) -> None:
            """The control socket answers within milliseconds, but never on the UI thread."""

            def send() -> None:
                from hardware.idcard.simulator import send_control

                try:
                    answer = send_control(self.reader, request)
                except OSError as error:
                    answer = {"ok": False, "error": str(error)}
                if not answer.get("ok"):
                    log.warning("reader control %s: %s", request["op"], answer.get("error"))
                    message = self.t("读卡器模拟器没有响应：{error}")
                    text = message.format(error=answer.get("error", ""))
                    Clock.schedule_once(lambda _dt: setattr(self, "status", text), 0)

            threading.Thread(target=send, name="drawer-control", daemon=True).start()

        def _poll_tickets(self, _dt: float) -> None:
            newest = newest_ticket(self.tickets)
            if newest is not None and str(newest) != self.ticket_source:
                self.ticket_source = str(newest)

        def now(self) -> datetime:
            return self.hall_clock.now()

    return CardDrawerApp


if __name__ == "__main__":
    import sys

    sys.exit(main())
