"""Golden tests of the bytes: both paper widths, both ways of printing Chinese."""

from __future__ import annotations

import pytest

from hardware.printer import commands as cmd
from hardware.printer.decode import DecodeError, parse, qr_codes, split, texts
from hardware.printer.layout import (
    booking_commands,
    cells,
    number_scale,
    ticket_commands,
    wrap_cells,
)
from hardware.printer.profiles import PrinterProfile, ProfileError
from kiosk.domain.slip import SlipError, TicketSlip

from .conftest import MATERIALS, STATUS_URL

PROFILES = [PrinterProfile(paper, mode) for paper in (58, 80) for mode in ("raster", "gb18030")]


def _joined(data: bytes) -> str:
    return "".join(texts(parse(data)))


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_job_frame_qr_and_cut(profile: PrinterProfile, booked_slip: TicketSlip) -> None:
    data = ticket_commands(booked_slip, profile)
    commands = parse(data)
    assert data.startswith(cmd.INIT)
    assert commands[-1].kind == "cut" and data.endswith(cmd.CUT)
    assert [c.kind for c in commands].count("cut") == 1
    (qr,) = qr_codes(commands)
    assert qr.content == STATUS_URL
    assert qr.module == (5 if profile.paper_mm == 58 else 6)
    assert qr.level == "M"


@pytest.mark.parametrize("paper", [58, 80])
def test_gb18030_text_in_chinese_mode(paper: int, booked_slip: TicketSlip) -> None:
    profile = PrinterProfile(paper, "gb18030")
    data = ticket_commands(booked_slip, profile)
    commands = parse(data)
    # Every Chinese text run is bracketed by FS & … FS .
    chinese = False
    for command in commands:
        if command.kind == "chinese_on":
            chinese = True
        elif command.kind == "chinese_off":
            chinese = False
        elif command.kind == "text" and not command.raw.isascii():
            assert chinese, command.raw
    text = _joined(data)
    for expected in (
        "平谷区政务服务中心",
        "不动产登记",
        "B012",
        "前面还有 5 人",
        "预计等候 25 分钟",
        "取号时间：2026-10-08 09:12",
        "预约人：张*三",
        "所需材料：",
        "今日办公时间：",
        "咨询电话：010-69962345",
    ):
        assert expected in text.replace("\n", ""), expected
    for index, material in enumerate(MATERIALS, start=1):
        assert f"{index}. " in text
        assert material[:4] in text
    assert "居民身份证原件".encode("gb18030") in data  # GB18030, not UTF-8
    assert "居民身份证原件".encode() not in data
    # No line wider than the paper: font A cells times the width multiplier in force.
    width = 1
    for command in commands:
        if command.kind == "size":
            width = int(command.args["width"])
        elif command.kind == "text":
            assert cells(str(command.args["text"])) * width <= profile.columns


@pytest.mark.parametrize("paper", [58, 80])
def test_number_in_the_largest_type_that_fits(paper: int, booked_slip: TicketSlip) -> None:
    profile = PrinterProfile(paper, "gb18030")
    commands = parse(ticket_commands(booked_slip, profile))
    index = next(i for i, c in enumerate(commands) if c.kind == "text" and c.args["text"] == "B012")
    size = next(c for c in reversed(commands[:index]) if c.kind == "size")
    assert size.args["width"] == size.args["height"] == 8
    assert number_scale("B012", profile) * 4 * 12 <= profile.dots
    assert number_scale("A1234", PrinterProfile(58, "gb18030")) == 6


@pytest.mark.parametrize("paper", [58, 80])
def test_raster_blocks_cover_the_paper_width(paper: int, booked_slip: TicketSlip) -> None:
    profile = PrinterProfile(paper, "raster")
    commands = parse(ticket_commands(booked_slip, profile))
    rasters = [c for c in commands if c.kind == "raster"]
    assert rasters
    for block in rasters:
        assert block.args["width_bytes"] * 8 == profile.dots
        assert 0 < block.args["rows"] <= cmd.RASTER_BAND_ROWS
        data = block.args["data"]
        assert isinstance(data, bytes)
        assert len(data) == block.args["width_bytes"] * block.args["rows"]
    ink = sum(bin(b).count("1") for c in rasters for b in c.args["data"])
    total = sum(len(c.args["data"]) * 8 for c in rasters)
    assert 0.03 < ink / total < 0.5  # text on white paper, not blank, not black
    assert not texts(commands)  # no text mode at all: works on any printer
    rows = sum(int(c.args["rows"]) for c in rasters)
    assert 600 < rows < 3000


def test_raster_with_qr_as_image_has_no_qr_command(booked_slip: TicketSlip) -> None:
    profile = PrinterProfile.from_name("58-raster-qrimage")
    commands = parse(ticket_commands(booked_slip, profile))
    assert not qr_codes(commands)
    assert not [c for c in commands if c.kind == "qr"]


def test_walk_in_ticket_has_no_booking_lines(walk_in_slip: TicketSlip) -> None:
    text = _joined(ticket_commands(walk_in_slip, PrinterProfile(80, "gb18030")))
    assert "A007" in text and "前面还有 0 人" in text
    assert "预约" not in text and "所需材料" not in text
    assert not qr_codes(parse(ticket_commands(walk_in_slip, PrinterProfile(80, "gb18030"))))


def test_english_ticket(booked_slip: TicketSlip) -> None:
    from dataclasses import replace

    slip = replace(booked_slip, language="en")
    text = _joined(ticket_commands(slip, PrinterProfile(80, "gb18030"))).replace("\n", "")
    assert "Pinggu District" in text and "Real estate registration" in text
    assert "5 ahead of you" in text and "Estimated wait: 25 min" in text
    assert "Materials required:" in text


def test_booking_confirmation_lists_everything(booking_slip) -> None:  # type: ignore[no-untyped-def]
    text = _joined(booking_commands(booking_slip, PrinterProfile(58, "gb18030")))
    for expected in (
        "预约确认单",
        "李*红",
        "营业执照变更登记",
        "2026-10-10 09:00-09:30",
        "营业执照正副本",
        "变更登记申请书",
        "预约码：K7MX4PH",
        "预约时间：2026-10-10 09:00-09:30",
        "打印时间：2026-10-08 15:20",
        "视为自动放弃",
    ):
        assert expected in text, expected
    data = booking_commands(booking_slip, PrinterProfile(80, "raster"))
    assert parse(data)[-1].kind == "cut"


def test_wrap_cells() -> None:
    assert wrap_cells("不动产权证书遗失声明（报纸刊登页）", 16) == [
        "不动产权证书遗失",
        "声明（报纸刊登页",
        "）",
    ]
    assert wrap_cells("Real estate registration office", 12) == [
        "Real estate",
        "registration",
        "office",
    ]
    assert wrap_cells("1. 居民身份证原件和复印件", 12, indent=3) == [
        "1. 居民身份",
        "   证原件和",
        "   复印件",
    ]
    assert all(cells(line) <= 10 for line in wrap_cells("x" * 35, 10))


def test_slip_refuses_what_must_not_be_printed(booked_slip: TicketSlip) -> None:
    from dataclasses import replace

    with pytest.raises(SlipError, match="masked"):
        replace(booked_slip, masked_name="张三丰")
    with pytest.raises(SlipError, match="negative"):
        replace(booked_slip, ahead=-1)
    with pytest.raises(SlipError, match="slot"):
        replace(booked_slip, slot_end=None)
    with pytest.raises(SlipError):
        replace(booked_slip, number="")
    with pytest.raises(SlipError, match="language"):
        replace(booked_slip, language="fr")


def test_profiles() -> None:
    assert PrinterProfile.from_name("58-gb18030") == PrinterProfile(58, "gb18030")
    assert PrinterProfile(58).dots == 384 and PrinterProfile(80).columns == 48
    for bad in ("57-raster", "80-utf8", "eighty", "80-raster-x"):
        with pytest.raises(ProfileError):
            PrinterProfile.from_name(bad)


def test_decoder_refuses_unknown_commands() -> None:
    with pytest.raises(DecodeError, match="not in the subset"):
        parse(b"\x1b@\x1bZ\x00")
    with pytest.raises(DecodeError, match="cut off"):
        split(b"\x1dv0\x00\x30\x00\x10\x00\xff")
