"""User-facing text: Simplified Chinese first, English switchable.

Message ids are the Chinese texts themselves, so Chinese needs no catalogue and a missing English
translation falls back to readable Chinese instead of a key. Catalogues are plain ``.po`` files
under ``kiosk/locale/<lang>/LC_MESSAGES/kiosk.po``, read with Babel at first use; no compiled
``.mo`` files are kept in the repository.
"""

from __future__ import annotations

import gettext as _gettext
import threading
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "kiosk"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")

_state = threading.local()
_process_language = DEFAULT_LANGUAGE


class _PoTranslations(_gettext.NullTranslations):
    def __init__(self, catalog: dict[str, str]) -> None:
        super().__init__()
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        return self._catalog.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language.split("_")[0])
    return _PoTranslations(
        {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    )


def set_language(language: str) -> None:
    """Switch the language of this process (a kiosk serves one person at a time)."""
    global _process_language
    translations(language)  # fail early on an unknown language
    _process_language = language


def current_language() -> str:
    return getattr(_state, "language", None) or _process_language


class use_language:
    """Context manager that switches the language for the current thread only."""

    def __init__(self, language: str) -> None:
        translations(language)
        self.language = language
        self._previous: str | None = None

    def __enter__(self) -> None:
        self._previous = getattr(_state, "language", None)
        _state.language = self.language

    def __exit__(self, *exc: object) -> None:
        _state.language = self._previous


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


_ = gettext
