from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageStat

from hardware.printer.layout import ticket_commands
from hardware.printer.preview import PAPER_MARGIN, render, write_png
from hardware.printer.profiles import PrinterProfile
from kiosk.domain.slip import TicketSlip


@pytest.mark.parametrize("name", ["58-raster", "80-raster", "58-gb18030", "80-gb18030"])
def test_preview_png_size_and_content(name: str, booked_slip: TicketSlip, tmp_path: Path) -> None:
    profile = PrinterProfile.from_name(name)
    path = write_png(ticket_commands(booked_slip, profile), tmp_path / "t.png", profile.dots)
    image = Image.open(path)
    assert image.format == "PNG"
    assert image.width == profile.dots + 2 * PAPER_MARGIN
    assert 700 < image.height < 3000
    grey = image.convert("L")
    low, high = grey.getextrema()
    assert low == 0 and high == 255
    dark = sum(grey.histogram()[:128]) / (image.width * image.height)
    assert 0.03 < dark < 0.5
    # the number is drawn large: its band holds a tall run of rows with ink
    assert ImageStat.Stat(grey).mean[0] > 150


def test_raster_preview_is_the_printed_image(booked_slip: TicketSlip) -> None:
    from hardware.printer.decode import parse
    from hardware.printer.layout import ticket_document
    from hardware.printer.raster import render_blocks

    profile = PrinterProfile(58, "raster", native_qr=False)
    strips = render_blocks(ticket_document(booked_slip), profile)
    (strip,) = strips
    assert isinstance(strip, Image.Image)
    page = render(ticket_commands(booked_slip, profile), profile.dots)
    region = page.crop(
        (PAPER_MARGIN, PAPER_MARGIN, PAPER_MARGIN + strip.width, PAPER_MARGIN + strip.height)
    )
    # 1-bit strip: ink is 1 ("white" in Pillow); the preview shows ink black
    expected = strip.convert("L").point(lambda v: 255 - v)
    assert region.tobytes() == expected.tobytes()
    assert parse(ticket_commands(booked_slip, profile))
