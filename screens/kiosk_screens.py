"""The kiosk's screens: each holds its state as Kivy properties and forgets it in ``clear``.

The screens only show what the app hands them; choosing what to show (which service result
means which screen) is in ``screens.kiosk_app``. ``clear`` runs at every idle reset, so nothing
of the previous person stays on a screen that is not visible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kivy.animation import Animation
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.screenmanager import Screen

from screens import theme
from screens.widgets import BigButton, WrapLabel


@dataclass(frozen=True)
class Choice:
    """One big button: ``name`` is stable for tests and logs; ``zh``/``en`` are shown.

    A choice that cannot be taken now (a full slot) stays visible with ``enabled=False``, so
    the person sees why it is missing from what can be chosen.
    """

    name: str
    zh: str
    en: str
    icon: str = ""
    note: str = ""
    tone: tuple[float, float, float, float] = theme.BUTTON
    action: Callable[[], None] | None = None
    enabled: bool = True


def fill_buttons(container: object, choices: Sequence[Choice]) -> None:
    container.clear_widgets()  # type: ignore[attr-defined]
    for choice in choices:
        button = BigButton(
            zh=choice.zh,
            en=choice.en,
            icon=choice.icon,
            note=choice.note,
            tone=choice.tone,
            name=choice.name,
            disabled=not choice.enabled,
        )
        if choice.action is not None and choice.enabled:
            action = choice.action
            button.bind(on_release=lambda _button, act=action: act())
        container.add_widget(button)  # type: ignore[attr-defined]


class KioskScreen(Screen):
    title_msg = StringProperty("")  # a msgid: the screen's question, read in elderly mode

    def clear(self) -> None:
        """Forget everything about the person just served."""


class AttractScreen(KioskScreen):
    card_y = NumericProperty(1.0)  # the card's height above the reader pad, 1 → 0
    card_scale = NumericProperty(1.0)  # smaller in landscape, where the stage is short
    _animation: Animation | None = None

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
    mode = StringProperty("checkin")  # "checkin" or "book"
    summary = StringProperty("")  # for "book": the item and slot being confirmed

    def clear(self) -> None:
        self.mode = "checkin"
        self.summary = ""


class WorkingScreen(KioskScreen):
    pass


class TicketScreen(KioskScreen):
    number = StringProperty("")
    service = StringProperty("")
    message = StringProperty("")
    ahead_text = StringProperty("")
    booking_text = StringProperty("")
    materials = ListProperty([])
    qr = ObjectProperty(None, allownone=True)
    print_state = StringProperty("")  # "", printing, printed, failed
    print_text = StringProperty("")
    paper_fault = BooleanProperty(False)

    def clear(self) -> None:
        self.number = self.service = self.message = self.ahead_text = ""
        self.booking_text = self.print_state = self.print_text = ""
        self.materials = []
        self.qr = None
        self.paper_fault = False
        container = self.ids.get("materials_box")
        if container is not None:
            container.clear_widgets()

    def on_materials(self, *_args: object) -> None:
        container = self.ids.get("materials_box")
        if container is None:
            return
        container.clear_widgets()
        for index, line in enumerate(self.materials, 1):
            container.add_widget(WrapLabel(text=f"{index}. {line}", font_size=theme.SMALL))


class MessageScreen(KioskScreen):
    """A result or a refusal: what happened, in one or two sentences, and the next step."""

    title = StringProperty("")
    body = StringProperty("")
    icon = StringProperty("")
    tone = ColorProperty(theme.BLUE)
    kind = StringProperty("")  # stable name of the outcome, for tests and logs

    def show(self, kind: str, title: str, body: str, icon: str, tone, choices: Sequence[Choice]):
        self.kind, self.title, self.body, self.icon, self.tone = kind, title, body, icon, tone
        fill_buttons(self.ids.actions, choices)

    def clear(self) -> None:
        self.kind = self.title = self.body = self.icon = ""
        self.ids.actions.clear_widgets()


class ChoiceScreen(KioskScreen):
    """One question, big buttons: a service, a day, a time slot."""

    question = StringProperty("")
    explanation = StringProperty("")
    columns = NumericProperty(1)
    mode = StringProperty("")

    def show(self, mode: str, question: str, explanation: str, choices: Sequence[Choice], cols=1):
        self.mode, self.question, self.explanation, self.columns = mode, question, explanation, cols
        fill_buttons(self.ids.choices, choices)

    def clear(self) -> None:
        self.mode = self.question = self.explanation = ""
        self.ids.choices.clear_widgets()


class MaterialsScreen(KioskScreen):
    """What to bring (办事指南) or a booking's confirmation with every material at once."""

    title = StringProperty("")
    subtitle = StringProperty("")
    materials = ListProperty([])
    print_text = StringProperty("")
    kind = StringProperty("")
    can_print = BooleanProperty(False)  # the guide offers its list on paper

    def on_materials(self, *_args: object) -> None:
        container = self.ids.list
        container.clear_widgets()
        for index, line in enumerate(self.materials, 1):
            container.add_widget(WrapLabel(text=f"{index}. {line}"))

    def clear(self) -> None:
        self.title = self.subtitle = self.print_text = self.kind = ""
        self.materials = []
        self.can_print = False


def keep_two_actions(screen: AttractScreen, elderly: bool) -> None:
    """Elderly mode keeps only the two most common actions on the attract screen."""
    actions = screen.ids.actions
    for key in ("book_button", "guide_button"):
        button = screen.ids[key].__self__  # ids hold weak proxies; compare real widgets
        if elderly and button.parent is not None:
            button.parent.remove_widget(button)
        elif not elderly and button.parent is None:
            actions.add_widget(button)
