"""From a slip to printer commands: one layout, two ways of printing Chinese.

``ticket_document`` says what is on the ticket and how prominent it is (a list of blocks, in
the citizen's language); ``encode`` turns blocks into bytes for a profile: GB18030 text in the
printer's Chinese mode, or a Pillow raster (``hardware.printer.raster``). ``ticket_commands`` is
the one function the printer adapter calls.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from hardware.printer import commands as cmd
from hardware.printer.profiles import PrinterProfile
from kiosk.domain.slip import BookingSlip, GuideSlip, TicketSlip
from kiosk.i18n import _, use_language

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    """A paragraph; ``scale`` is the printer's size multiplier (1 = 12×24-dot font A)."""

    text: str
    scale: int = 1
    align: Align = "left"
    bold: bool = False
    indent: int = 0  # continuation lines start this many half-width cells in
    shrink: bool = False  # rather smaller type than a second line (the hall's name)


@dataclass(frozen=True)
class Number:
    """The ticket number: as large as the paper allows."""

    text: str


@dataclass(frozen=True)
class Qr:
    content: str
    caption: str


@dataclass(frozen=True)
class Rule:
    pass


@dataclass(frozen=True)
class Space:
    lines: int = 1


Block = Text | Number | Qr | Rule | Space


def _time(value: object) -> str:
    return f"{value:%H:%M}"


def _slot(start: object, end: object) -> str:
    return f"{start:%Y-%m-%d} {start:%H:%M}-{end:%H:%M}"


def _materials(materials: tuple[str, ...]) -> list[Block]:
    if not materials:
        return []
    blocks: list[Block] = [Text(_("所需材料："), bold=True)]
    for index, item in enumerate(materials, start=1):
        prefix = f"{index}. "
        blocks.append(Text(prefix + item, indent=len(prefix)))
    return blocks


def _marks(slip: TicketSlip) -> list[Block]:
    """The marks a clerk and the holder must not miss, each on a line of its own in large
    type: 【优先】 when a priority group was given, 【仅接收材料】 when the period only receives
    the item's materials."""
    blocks: list[Block] = []
    if slip.priority:
        blocks.append(Text(_("【优先】"), scale=2, align="center", bold=True))
    if slip.materials_only:
        blocks.append(Text(_("【仅接收材料】"), scale=2, align="center", bold=True))
        blocks.append(Text(_("本时段该事项仅接收申请材料，审批将在工作日完成。"), align="center"))
    return blocks


def _booking_lines(slip: TicketSlip) -> list[Block]:
    blocks: list[Block] = []
    if slip.masked_name:
        blocks.append(Text(_("预约人：{name}").format(name=slip.masked_name)))
    if slip.slot_start is not None and slip.slot_end is not None:
        blocks.append(
            Text(_("预约时段：{slot}").format(slot=_slot(slip.slot_start, slip.slot_end)))
        )
    if slip.item_name:
        blocks.append(Text(_("办理事项：{item}").format(item=slip.item_name), indent=10))
    if slip.booking_code:
        blocks.append(Text(_("预约码：{code}").format(code=slip.booking_code), bold=True))
    return [Rule(), *blocks] if blocks else []


def _footer(hours_today: str, phone: str | None) -> list[Block]:
    blocks: list[Block] = []
    if hours_today:
        blocks.append(Text(_("今日办公时间：{hours}").format(hours=hours_today), indent=2))
    if phone:
        blocks.append(Text(_("咨询电话：{phone}").format(phone=phone)))
    return blocks


def ticket_document(slip: TicketSlip) -> list[Block]:
    """The blocks of a queue ticket, top to bottom, in the slip's language: hall, service,
    number, people ahead and wait, where to go, the marks, issue time, the booking, every
    material, the queue page's QR code when the hall runs one, today's hours and the phone."""
    with use_language(slip.language):
        blocks: list[Block] = [
            Text(slip.hall_name, scale=2, align="center", bold=True, shrink=True),
            Text(slip.service_name, align="center"),
        ]
        if slip.reprint:
            blocks.append(Text(_("【补打】"), align="center", bold=True))
        blocks.append(Rule())
        if slip.booked:
            blocks.append(Text(_("预约号"), align="center", bold=True))
        blocks += [
            Number(slip.number),
            Text(_("前面还有 {n} 人").format(n=slip.ahead), scale=2, align="center"),
            Text(_("预计等候 {m} 分钟").format(m=slip.wait_minutes), align="center"),
        ]
        if slip.where:
            blocks.append(Text(_("请到：{where}").format(where=slip.where), bold=True, indent=6))
        blocks += _marks(slip)
        blocks.append(
            Text(
                _("取号时间：{time}").format(time=f"{slip.issued_at:%Y-%m-%d %H:%M}"),
                align="center",
            )
        )
        if slip.reprint and slip.printed_at is not None:
            blocks.append(
                Text(
                    _("补打时间：{time}").format(time=f"{slip.printed_at:%Y-%m-%d %H:%M}"),
                    align="center",
                )
            )
        blocks += _booking_lines(slip)
        blocks += _materials(slip.materials)
        blocks += [Rule(), Text(_("请留意叫号，过号请到窗口咨询"), align="center", bold=True)]
        if slip.status_url:
            blocks.append(Qr(slip.status_url, _("扫码查看排队进度")))
        return blocks + _footer(slip.hours_today, slip.phone)


def booking_document(slip: BookingSlip) -> list[Block]:
    """The confirmation of an on-site booking: what, when, who, the short code to quote, and
    every material at once; the time it was printed is labelled as such."""
    with use_language(slip.language):
        blocks: list[Block] = [
            Text(slip.hall_name, scale=2, align="center", bold=True, shrink=True),
            Text(_("预约确认单"), scale=2, align="center", bold=True),
            Rule(),
            Text(_("预约人：{name}").format(name=slip.masked_name)),
            Text(_("办理事项：{item}").format(item=slip.item_name), indent=10),
            Text(
                _("预约时间：{slot}").format(slot=_slot(slip.slot_start, slip.slot_end)), bold=True
            ),
        ]
        if slip.booking_code:
            blocks.append(Text(_("预约码：{code}").format(code=slip.booking_code), bold=True))
        blocks += _materials(slip.materials)
        blocks += [
            Rule(),
            Text(_("请携带与预约一致的身份证件和上述材料，按约定时间到达。")),
            Text(_("未按约定时段到达的，视为自动放弃预约。")),
            Text(_("打印时间：{time}").format(time=f"{slip.printed_at:%Y-%m-%d %H:%M}")),
        ]
        return blocks + _footer("", slip.phone)


def guide_document(slip: GuideSlip) -> list[Block]:
    """What to bring for one item: the same heading, materials list and footer as the other
    slips, so a person compares them at a glance."""
    with use_language(slip.language):
        blocks: list[Block] = [
            Text(slip.hall_name, scale=2, align="center", bold=True, shrink=True),
            Text(_("办事指南"), scale=2, align="center", bold=True),
            Rule(),
            Text(_("办理事项：{item}").format(item=slip.item_name), indent=10, bold=True),
        ]
        if slip.note:
            blocks.append(Text(slip.note))
        blocks += _materials(slip.materials)
        blocks += [Rule(), Text(_("请带齐以上材料原件，现场取号或预约后办理。"))]
        if slip.hours_today:
            blocks.append(Text(_("今日办公时间：{hours}").format(hours=slip.hours_today), indent=2))
        blocks.append(Text(_("打印时间：{time}").format(time=f"{slip.printed_at:%Y-%m-%d %H:%M}")))
        return blocks + _footer("", slip.phone)


# -- text mode -----------------------------------------------------------------------------


def cells(text: str) -> int:
    """Half-width cells a string takes in font A: Chinese and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def wrap_tokens(text: str, stands_alone: Callable[[str], bool] = _wide) -> list[str]:
    """What a line may break between: each space, each character that ``stands_alone``
    (Chinese: any two may part), and the runs of other characters (Latin words) kept whole."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch == " " or stands_alone(ch):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def wrap_cells(text: str, width: int, indent: int = 0) -> list[str]:
    """Break a paragraph into lines of at most ``width`` cells, at spaces where possible.

    Chinese breaks between any two characters; a Latin word is kept whole unless it alone is
    wider than a line. Continuation lines are indented by ``indent`` cells.
    """
    if width < 2:
        raise ValueError("a line must hold at least one Chinese character")
    indent = min(indent, width // 2)
    lines: list[str] = []
    line, used, room = "", 0, width
    for token in wrap_tokens(text):
        size = cells(token)
        if used + size > room and line.strip():
            lines.append(line.rstrip())
            line, used, room = " " * indent, indent, width
            if token == " ":
                continue
        while size > room - used:  # a single word wider than the line: hard break
            take = ""
            for ch in token:
                if used + cells(take + ch) > room:
                    break
                take += ch
            if not take:
                break
            lines.append(line + take)
            token = token[len(take) :]
            size = cells(token)
            line, used, room = " " * indent, indent, width
        line += token
        used += size
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def number_scale(number: str, profile: PrinterProfile) -> int:
    """The largest character multiplier (≤ 8, the printer's limit) that fits the number."""
    return max(1, min(8, profile.columns // max(1, cells(number))))


def _encode_text_block(block: Text, profile: PrinterProfile) -> bytes:
    scale = max(1, min(8, block.scale))
    while scale > 1 and profile.columns // scale < 8:  # keep at least four Chinese per line
        scale -= 1
    while block.shrink and scale > 1 and cells(block.text) > profile.columns // scale:
        scale -= 1
    out = bytearray(cmd.align(block.align) + cmd.size(scale, scale) + cmd.bold(block.bold))
    for line in wrap_cells(block.text, profile.columns // scale, block.indent):
        out += cmd.gb18030_text(line) + cmd.LF
    return bytes(out)


def _encode_text_mode(blocks: list[Block], profile: PrinterProfile) -> bytes:
    out = bytearray()
    for block in blocks:
        if isinstance(block, Text):
            out += _encode_text_block(block, profile)
        elif isinstance(block, Number):
            scale = number_scale(block.text, profile)
            out += cmd.align("center") + cmd.size(scale, scale) + cmd.bold(True)
            out += block.text.encode("ascii") + cmd.LF
        elif isinstance(block, Rule):
            out += cmd.align("left") + cmd.size(1, 1) + cmd.bold(False)
            out += b"-" * profile.columns + cmd.LF
        elif isinstance(block, Space):
            out += cmd.feed(block.lines)
        elif isinstance(block, Qr):
            out += _encode_qr(block, profile)
    out += cmd.size(1, 1) + cmd.bold(False) + cmd.align("left")
    return bytes(out)


def qr_module(profile: PrinterProfile) -> int:
    return 6 if profile.paper_mm == 80 else 5


def _encode_qr(block: Qr, profile: PrinterProfile) -> bytes:
    out = cmd.align("center") + cmd.qr(block.content, module=qr_module(profile)) + cmd.LF
    return out + _encode_text_block(Text(block.caption, align="center"), profile)


def encode(blocks: list[Block], profile: PrinterProfile) -> bytes:
    """A complete job: initialise, the blocks, feed and cut."""
    if profile.chinese == "gb18030":
        body = _encode_text_mode(blocks, profile)
    else:
        from hardware.printer.raster import encode_raster

        body = encode_raster(blocks, profile)
    return cmd.INIT + body + cmd.feed(3) + cmd.CUT


def ticket_commands(slip: TicketSlip, profile: PrinterProfile) -> bytes:
    """The bytes that print ``slip`` on a printer of ``profile``."""
    return encode(ticket_document(slip), profile)


def booking_commands(slip: BookingSlip, profile: PrinterProfile) -> bytes:
    return encode(booking_document(slip), profile)


def guide_commands(slip: GuideSlip, profile: PrinterProfile) -> bytes:
    return encode(guide_document(slip), profile)
