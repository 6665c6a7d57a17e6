"""What the kiosk shows and says, as plain values: the flows return them, the Kivy app draws them.

A ``View`` is one screen's content in the language and size mode of the moment (titles, texts,
choices, the on-screen ticket, what is spoken); ``Chrome`` is what surrounds every screen (the
idle countdown, the "more time?" prompt, the device status line, the tool buttons). Both are
frozen dataclasses, so a test compares them like any value and the app skips redrawing a view
equal to the one on screen. Texts are final (already translated); choices carry a stable
``name`` that comes back as ``Tap(name)`` when pressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Tone = Literal["info", "ok", "warn", "fault"]
ChoiceTone = Literal["main", "action", "muted"]
#: Where printing a slip stands: not asked, under way, done, failed.
PrintState = Literal["", "printing", "printed", "failed"]

#: The screens the app knows how to draw (one Kivy screen each).
SCREENS: tuple[str, ...] = (
    "home",
    "place_card",
    "working",
    "ticket",
    "message",
    "choice",
    "materials",
    "pin",
)


@dataclass(frozen=True)
class Choice:
    """One big button. ``label`` is the large line; ``sub`` the small one under it (the other
    language and a note; in 大字 only the note). A choice that cannot be taken now stays visible
    with ``enabled=False`` and says why in ``sub``."""

    name: str
    label: str
    sub: str = ""
    icon: str = ""
    enabled: bool = True
    tone: ChoiceTone = "action"


@dataclass(frozen=True)
class TicketPanel:
    """The ticket on screen, made from the same slip the printer gets."""

    number: str
    service: str
    marks: tuple[str, ...] = ()  # 优先 · 仅接收材料 · 补打
    ahead: str = ""
    where: str = ""
    booking: str = ""
    note: str = ""
    materials_title: str = ""
    materials: tuple[str, ...] = ()
    qr_png: bytes | None = field(default=None, repr=False)
    qr_note: str = ""
    print_state: PrintState = ""
    print_text: str = ""
    compact: bool = False  # the second page in 大字: the number smaller above what to bring


@dataclass(frozen=True)
class View:
    """One screen's content. ``kind`` is a stable name of what is shown (``no_booking``,
    ``refused:booking_only``, ``services:walk_in``...) for tests, logs and the paging memory."""

    screen: str
    kind: str
    title: str = ""
    body: str = ""
    note: str = ""
    staff_line: str = ""  # for staff, in small type: the device or store fault behind a message
    icon: str = ""
    tone: Tone = "info"
    banner: str = ""  # the home screen's notice of the period (今日仅限预约...)
    banner_tone: Tone = "warn"
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    per_page: int = 0  # 0: all choices on one page
    page: int = 0
    pages: int = 1
    pager: tuple[Choice, ...] = ()
    ticket: TicketPanel | None = None
    materials_title: str = ""
    materials: tuple[str, ...] = ()
    print_text: str = ""
    print_fault: bool = False
    entered: str = ""  # the PIN pad: one dot per digit
    back: bool = False  # 上一步 is offered
    spoken: tuple[str, ...] = ()

    def choice(self, name: str) -> Choice | None:
        for choice in (*self.choices, *self.pager):
            if choice.name == name:
                return choice
        return None


@dataclass(frozen=True)
class Chrome:
    """What surrounds every screen: tools, countdown, the staff status line."""

    lang: str
    elderly: bool
    home: bool  # the attract screen: no countdown, no 返回首页
    idle_left: int
    asking_more_time: bool = False
    status_text: str = ""
    device_fault: bool = False
    can_repeat: bool = False


@dataclass(frozen=True)
class Frame:
    view: View
    chrome: Chrome


def paginate(view: View, page: int, labels: tuple[str, str, str]) -> View:
    """The choices of ``page`` (clamped) and the 上一页/下一页 buttons; ``labels`` are the
    previous and next buttons' texts and the "page N of M" note, already translated."""
    if view.per_page <= 0:
        return view  # not a list (a ticket in 大字 pages itself)
    if len(view.choices) <= view.per_page:
        return replace(view, page=0, pages=1, pager=())
    pages = -(-len(view.choices) // view.per_page)
    page = max(0, min(page, pages - 1))
    start = page * view.per_page
    previous, following, counter = labels
    note = counter.format(page=page + 1, pages=pages)
    pager: tuple[Choice, ...] = ()
    if page > 0:
        pager += (Choice("prev_page", previous, note, "chevron-left", tone="muted"),)
    if page < pages - 1:
        pager += (Choice("next_page", following, note, "chevron-right"),)
    return replace(
        view,
        choices=view.choices[start : start + view.per_page],
        page=page,
        pages=pages,
        pager=pager,
    )
