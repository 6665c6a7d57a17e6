"""Widgets every screen uses: two-language buttons, wrapping labels, the QR image.

Their look lives in ``kv/widgets.kv``; here are only the properties the kv rules bind to.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.graphics.texture import Texture
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


@dataclass(frozen=True)
class PreparedTicket:
    """What the worker thread prepares for the ticket screen: the queue link and its QR code."""

    link: str
    qr_png: bytes


def qr_png(text: str, size: int = 8) -> bytes:
    """The QR code of ``text`` as PNG bytes (black on white, with its quiet zone); any thread."""
    import qrcode

    code = qrcode.QRCode(border=2, box_size=size)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").convert("RGB")
    buffer = BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


def qr_texture_from_png(data: bytes) -> Texture:
    """A texture of a PNG made by ``qr_png`` (UI thread: textures live in the GL context)."""
    texture = CoreImage(BytesIO(data), ext="png").texture
    texture.mag_filter = "nearest"
    return texture
