"""Widgets every screen uses: two-language buttons, wrapping labels, panels.

Their look lives in ``kv/widgets.kv``; here are only the properties the kv rules bind to.
"""

from __future__ import annotations

from kivy.properties import ColorProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from screens import theme


class BigButton(ButtonBehavior, BoxLayout):
    """A whole-width choice: icon, a large line and a small line in the other language.

    ``zh``/``en`` are the two texts; the large line follows ``app.lang``.
    """

    zh = StringProperty("")
    en = StringProperty("")
    icon = StringProperty("")
    note = StringProperty("")
    tone = ColorProperty(theme.BUTTON)
    name = StringProperty("")  # a stable name for tests and logs, never shown


class SmallButton(ButtonBehavior, Label):
    tone = ColorProperty(theme.BUTTON)
    name = StringProperty("")


class WrapLabel(Label):
    """A label that wraps to its width and is as tall as its text."""


class Card(BoxLayout):
    """A white panel on the page background."""

    tone = ColorProperty(theme.SURFACE)
    lines = ListProperty([])
