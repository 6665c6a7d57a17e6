"""The kiosk's own widgets: big choice buttons with a pictogram, tool buttons, the QR image.

Their look is in ``kv/kiosk_widgets.kv``. Every text wraps inside its box and every button
grows to hold its text (never shortened with "…"): the overflow test checks it on every screen,
in both sizes and both languages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ColorProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from screens import theme
from screens.flows.view import Choice
from screens.icons import glyph

TONES = {"main": theme.ACCENT, "action": theme.BUTTON, "muted": theme.TEXT_MUTED}


class KioskButton(ButtonBehavior, BoxLayout):
    """A whole-width choice: pictogram, a large line, a small line (the other language, a
    note). ``name`` is the choice's stable name, sent back as the tap."""

    name = StringProperty("")
    label = StringProperty("")
    sub = StringProperty("")
    icon = StringProperty("")  # the glyph (a character of the icon font)
    tone = ColorProperty(theme.BUTTON)
    compact = BooleanProperty(False)  # a key of a keypad: the minimum height, not a choice's


class ToolButton(ButtonBehavior, BoxLayout):
    """A tool or navigation button (大字, English, 🔊重听, 上一步, 返回首页): icon and word."""

    name = StringProperty("")
    label = StringProperty("")
    icon = StringProperty("")
    tone = ColorProperty(theme.BLUE_DARK)
    active = BooleanProperty(False)


class KioskCard(BoxLayout):
    """A tinted panel holding wrapped text (the home banner, the print state)."""

    tone = ColorProperty(theme.BUTTON_LIGHT)


def choice_button(
    choice: Choice, tap: Callable[[str], object], compact: bool = False
) -> KioskButton:
    button = KioskButton(
        compact=compact,
        name=choice.name,
        label=choice.label,
        sub=choice.sub,
        icon=glyph(choice.icon),
        tone=TONES.get(choice.tone, theme.BUTTON),
        disabled=not choice.enabled,
    )
    if choice.enabled:
        button.bind(on_release=lambda _button, name=choice.name: tap(name))
    return button


def fill(
    container: Widget,
    choices: Sequence[Choice],
    tap: Callable[[str], object],
    compact: bool = False,
) -> None:
    """Put ``choices`` into ``container`` as buttons (the old ones go)."""
    container.clear_widgets()
    for choice in choices:
        container.add_widget(choice_button(choice, tap, compact))


def texture_from_png(data: bytes) -> Texture:
    """A texture of a PNG (a QR code made on a worker thread); on the UI thread only."""
    texture = CoreImage(BytesIO(data), ext="png").texture
    texture.mag_filter = "nearest"
    return texture
