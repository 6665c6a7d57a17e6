"""The kiosk's screens: each draws a ``View`` (``screens.flows.view``) and nothing else.

What a screen says is decided in ``screens.flows``; a screen only puts the view's texts into
its labels (kv rules bind to ``root.view``) and its choices into buttons whose taps go back to
the app by name. ``clear`` runs at the idle reset, so nothing of the previous person stays on a
screen that is not visible.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.animation import Animation
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from screens import theme
from screens.flows.view import TicketPanel, View
from screens.kiosk_widgets import fill, texture_from_png

Tap = Callable[[str], None]
TONES = {"info": theme.BLUE, "ok": theme.OK, "warn": theme.WARN, "fault": theme.FAULT}
EMPTY_PANEL = TicketPanel(number="", service="")


class KioskScreen(Screen):
    view = ObjectProperty(None, allownone=True, rebind=True)
    compact = False  # keys of a keypad rather than choices

    def show(self, view: View, tap: Tap) -> None:
        self.view = view
        for name, choices in (("choices", view.choices), ("pager", view.pager)):
            container = self.ids.get(name)
            if container is not None:
                # paging is a way through the list, not a choice: its buttons are lower
                fill(container, choices, tap, self.compact or name == "pager")
        materials = self.ids.get("materials")
        if materials is not None:
            self._materials(materials, self._material_lines(view))

    def _material_lines(self, view: View) -> tuple[str, ...]:
        return view.materials

    @staticmethod
    def _materials(container: Widget, lines: tuple[str, ...]) -> None:
        container.clear_widgets()
        for index, line in enumerate(lines, 1):
            label = Factory.MaterialLine(text=f"{index}. {line}")
            container.add_widget(label)

    def clear(self) -> None:
        """Forget everything about the person just served."""
        self.view = None
        for name in ("choices", "pager", "materials"):
            container = self.ids.get(name)
            if container is not None:
                container.clear_widgets()


class HomeScreen(KioskScreen):
    card_y = NumericProperty(1.0)  # the card's height above the reader pad, 1 → 0
    card_scale = NumericProperty(1.0)  # smaller where the stage is short
    reader_ok = BooleanProperty(True)
    _animation: Animation | None = None

    def show(self, view: View, tap: Tap) -> None:
        self.reader_ok = view.tone != "fault"
        super().show(view, tap)

    def on_enter(self, *_args: object) -> None:
        self.card_y = 1.0
        self._animation = Animation(card_y=0.0, duration=1.2, t="out_cubic") + Animation(
            card_y=0.0, duration=0.8
        )
        self._animation += Animation(card_y=1.0, duration=0.01)
        self._animation.repeat = True
        self._animation.start(self)

    def on_leave(self, *_args: object) -> None:
        if self._animation is not None:
            self._animation.cancel(self)
            self._animation = None


class PlaceCardScreen(KioskScreen):
    pass


class WorkingScreen(KioskScreen):
    pass


class MessageScreen(KioskScreen):
    tone = ColorProperty(theme.BLUE)

    def show(self, view: View, tap: Tap) -> None:
        self.tone = TONES.get(view.tone, theme.BLUE)
        super().show(view, tap)


class ChoiceScreen(KioskScreen):
    pass


class MaterialsScreen(KioskScreen):
    pass


class PinScreen(KioskScreen):
    compact = True


class TicketScreen(KioskScreen):
    panel = ObjectProperty(EMPTY_PANEL, rebind=True)
    qr = ObjectProperty(None, allownone=True)
    _qr_png: bytes | None = None

    def show(self, view: View, tap: Tap) -> None:
        panel = view.ticket or EMPTY_PANEL
        if panel.qr_png != self._qr_png:
            self._qr_png = panel.qr_png
            self.qr = texture_from_png(panel.qr_png) if panel.qr_png else None
        self.panel = panel
        super().show(view, tap)

    def _material_lines(self, view: View) -> tuple[str, ...]:
        return view.ticket.materials if view.ticket is not None else ()

    def clear(self) -> None:
        self.panel = EMPTY_PANEL
        self.qr = None
        self._qr_png = None
        super().clear()


SCREEN_CLASSES: dict[str, type[KioskScreen]] = {
    "home": HomeScreen,
    "place_card": PlaceCardScreen,
    "working": WorkingScreen,
    "ticket": TicketScreen,
    "message": MessageScreen,
    "choice": ChoiceScreen,
    "materials": MaterialsScreen,
    "pin": PinScreen,
}
