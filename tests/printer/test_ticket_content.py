"""Everything a ticket must say (issue 14), read back from the printed bytes and the decoded
preview, on both paper widths and both ways of printing Chinese, with the longest names and
materials lists of the shipped halls: nothing missing and nothing cut off at 58 mm."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from PIL import Image

from hardware.printer.decode import parse, qr_codes, texts
from hardware.printer.layout import cells, ticket_commands, ticket_document
from hardware.printer.preview import PAPER_MARGIN, render
from hardware.printer.profiles import PrinterProfile
from hardware.printer.raster import MARGIN, DrawnLine, render_blocks
from kiosk.config import load_calendar, load_halls
from kiosk.domain.booking_code import booking_code
from kiosk.domain.schedule import day_plan
from kiosk.domain.slip import SlipError, TicketSlip
from kiosk.i18n import use_language
from kiosk.messages import describe_where, hours_line

PROFILES = [
    PrinterProfile(paper, mode, native_qr)
    for paper in (58, 80)
    for mode in ("raster", "gb18030")
    for native_qr in ((True, False) if mode == "raster" else (True,))
]
URL = "https://hall.example.gov.cn/queue/pinggu-township/2026-11-18/B012"
ISSUED = datetime(2026, 11, 18, 9, 12)
REPRINTED = datetime(2026, 11, 18, 10, 2)
CODE = booking_code("0f8fad5b-d9cb-469f-a165-70867728950e")


def _longest(values: list[str]) -> str:
    return max(values, key=cells)


def longest_slip(language: str) -> TicketSlip:
    """A booked, priority, materials-only reprint with the longest words the shipped halls
    have: hall name, service name, materials list, where-to-go and hours line."""
    halls = list(load_halls().values())
    english = language == "en"
    services = [s for hall in halls for s in hall.services]

    def name(item: object) -> str:
        return str(getattr(item, "name_en" if english else "name_zh"))

    def materials(service: object) -> tuple[str, ...]:
        return tuple(getattr(service, "materials_en" if english else "materials_zh"))

    with use_language(language):
        wheres = [describe_where(h.directions(s.id)) for h in halls for s in h.services]
        calendar = load_calendar()
        hours = [hours_line(day_plan(h, ISSUED.date(), calendar)) for h in halls]
    most = max(services, key=lambda s: sum(cells(m) for m in materials(s)))
    hall = max(halls, key=lambda h: cells(name(h)))
    service = _longest([name(s) for s in services])
    return TicketSlip(
        hall_name_zh=hall.name_zh,
        hall_name_en=hall.name_en,
        number="B012",
        service_name_zh=service,
        service_name_en=service,
        issued_at=ISSUED,
        ahead=128,
        wait_minutes=245,
        hours_today=_longest(hours),
        masked_name="欧阳*明",
        slot_start=datetime(2026, 11, 18, 9, 0),
        slot_end=datetime(2026, 11, 18, 9, 30),
        item_name=service,
        materials=materials(most),
        status_url=URL,
        phone="010-69962345",
        booked=True,
        language=language,
        where=_longest(wheres),
        priority=True,
        materials_only=True,
        reprint=True,
        printed_at=REPRINTED,
        booking_code=CODE,
    )


def expected_lines(slip: TicketSlip) -> list[str]:
    """What must be readable on the ticket, in its language."""
    zh = slip.language == "zh_CN"
    lines = [
        slip.hall_name,
        slip.service_name,
        slip.number,
        ("前面还有 {n} 人" if zh else "{n} ahead of you").format(n=slip.ahead),
        ("预计等候 {m} 分钟" if zh else "Estimated wait: {m} min").format(m=slip.wait_minutes),
        ("请到：" if zh else "Go to: ") + slip.where,
        "【优先】" if zh else "[PRIORITY]",
        "【仅接收材料】" if zh else "[MATERIALS ONLY]",
        "【补打】" if zh else "[REPRINT]",
        ("取号时间：" if zh else "Issued: ") + "2026-11-18 09:12",
        ("补打时间：" if zh else "Reprinted: ") + "2026-11-18 10:02",
        ("预约人：" if zh else "Booked by: ") + "欧阳*明",
        "2026-11-18 09:00-09:30",
        ("预约码：" if zh else "Booking code: ") + CODE,
        "所需材料：" if zh else "Materials required:",
        *[f"{index}. {item}" for index, item in enumerate(slip.materials, start=1)],
        "扫码查看排队进度" if zh else "Scan to follow the queue",
        slip.hours_today,
        slip.phone or "",
    ]
    return lines


def squash(text: str) -> str:
    """Compare without spaces: a wrapped line loses the space it broke at."""
    return "".join(text.split())


def raster_lines(slip: TicketSlip, profile: PrinterProfile) -> list[DrawnLine]:
    lines: list[DrawnLine] = []
    render_blocks(ticket_document(slip), profile, lines)
    return lines


def text_mode_line_widths(data: bytes) -> list[int]:
    """Dots each printed line takes in text mode: the cells of its text times the width
    multiplier in force, summed up to each line feed."""
    widths, current, multiplier = [], 0, 1
    for command in parse(data):
        if command.kind == "size":
            multiplier = int(command.args["width"])  # type: ignore[call-overload]
        elif command.kind == "text":
            current += cells(str(command.args["text"])) * multiplier * 12
        elif command.kind == "lf":
            widths.append(current)
            current = 0
    return widths


def ink_columns(page: Image.Image, dots: int) -> tuple[int, int]:
    """The leftmost and rightmost column of the printable width with any ink on it."""
    printable = page.crop((PAPER_MARGIN, PAPER_MARGIN, PAPER_MARGIN + dots, page.height - 1))
    inverted = printable.point(lambda v: 255 if v < 128 else 0)
    box = inverted.getbbox()
    assert box is not None
    return box[0], box[2]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_every_element_is_on_the_ticket_and_nothing_is_cut_off(
    profile: PrinterProfile, language: str
) -> None:
    slip = longest_slip(language)
    data = ticket_commands(slip, profile)
    commands = parse(data)
    assert commands[-1].kind == "cut"
    if profile.chinese == "gb18030":
        printed = "".join(texts(commands))
        widths = text_mode_line_widths(data)
        assert max(widths) <= profile.dots, "a text line is wider than the paper"
    else:
        lines = raster_lines(slip, profile)
        printed = "".join(line.text for line in lines)
        for line in lines:
            assert line.left >= MARGIN - 1 and line.right <= profile.dots - MARGIN + 2, line
        assert not texts(commands)
    for expected in expected_lines(slip):
        assert squash(expected) in squash(printed), expected
    # the QR code follows the hall's queue page: natively, or drawn into the image
    page = render(data, profile.dots)
    if profile.native_qr:
        assert [qr.content for qr in qr_codes(commands)] == [URL]
    else:
        assert not qr_codes(commands)
    # the decoded paper: ink inside the printable width only, and a ticket of sane length
    left, right = ink_columns(page, profile.dots)
    if profile.chinese == "raster":
        assert left >= MARGIN - 1 and right <= profile.dots - MARGIN + 2
    assert 900 < page.height < 4000


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_number_is_the_largest_type_on_the_ticket(profile: PrinterProfile) -> None:
    slip = longest_slip("zh_CN")
    if profile.chinese == "raster":
        lines = raster_lines(slip, profile)
        number = next(line for line in lines if line.text == "B012")
        assert number.px == max(line.px for line in lines)
        assert number.px >= 120
    else:
        commands = parse(ticket_commands(slip, profile))
        multiplier, sizes = 1, {}
        for command in commands:
            if command.kind == "size":
                multiplier = int(command.args["width"])  # type: ignore[call-overload]
            elif command.kind == "text":
                text = str(command.args["text"])
                sizes[text] = max(sizes.get(text, 0), multiplier)
        assert sizes["B012"] == max(sizes.values()) >= 6


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_no_queue_page_no_qr_and_no_scan_line(profile: PrinterProfile) -> None:
    slip = replace(longest_slip("zh_CN"), status_url=None)
    data = ticket_commands(slip, profile)
    commands = parse(data)
    assert not qr_codes(commands)
    assert not [c for c in commands if c.kind == "qr"]
    printed = (
        "".join(texts(commands))
        if profile.chinese == "gb18030"
        else "".join(line.text for line in raster_lines(slip, profile))
    )
    assert "扫码" not in printed and "今日办公时间" in printed
    with_qr = render(ticket_commands(longest_slip("zh_CN"), profile), profile.dots)
    assert render(data, profile.dots).height < with_qr.height - 100  # no code drawn either


def test_a_plain_walk_in_has_no_marks_but_its_materials_and_where_to_go(
    walk_in_slip: TicketSlip,
) -> None:
    slip = replace(
        walk_in_slip,
        materials=("不动产登记申请书", "申请人身份证明"),
        where="一楼A区 1、2 号任一窗口",
    )
    printed = "".join(texts(parse(ticket_commands(slip, PrinterProfile(58, "gb18030")))))
    for expected in ("请到：一楼A区 1、2 号任一窗口", "所需材料：", "1. 不动产登记申请书"):
        assert squash(expected) in squash(printed), expected
    for absent in ("优先", "仅接收材料", "补打", "预约", "扫码"):
        assert absent not in printed, absent


def test_slip_refuses_a_link_no_phone_opens_and_a_code_that_is_not_one() -> None:
    slip = longest_slip("zh_CN")
    with pytest.raises(SlipError, match="http"):
        replace(slip, status_url="hall-kiosk:ticket/xixia/2026-11-18/B012")
    with pytest.raises(SlipError, match="booking code"):
        replace(slip, booking_code="0f8fad5b-d9cb-469f-a165-70867728950e")
    with pytest.raises(SlipError, match="reprint"):
        replace(slip, reprint=False)  # printed_at without reprint
