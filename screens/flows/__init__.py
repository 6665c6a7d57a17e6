"""The kiosk's flows, outside Kivy: what the kiosk shows, says and does next.

Each journey a person can make (check-in, walk-in, booking, guide, a notice) is a small state
machine (``checkin``, ``walkin``, ``booking``, ``guide``); ``kiosk.KioskFlow`` routes every event
to them and adds what all screens share: the devices' faults (``devices``), the idle countdown
with its "需要更多时间吗？", the language, 大字 and its paging, 🔊重听. What comes out is plain
data (``view``): the frame to draw, the lines to say, and requests (``effects``) that the job
runner (``jobs``) carries out on the store and the printer, answering with events (``events``).

The Kivy app (``screens.kiosk_app``) only draws frames and forwards touches, cards and its tick;
every rule of what the kiosk says is tested here without a window. Nothing in this package
imports Kivy, ``sync`` or ``kiosk.app.cli`` (a test checks it).
"""

from screens.flows.context import IdlePolicy, KioskSetup
from screens.flows.kiosk import KioskFlow, Step

__all__ = ["IdlePolicy", "KioskFlow", "KioskSetup", "Step"]
