"""The "what to bring" slip: the ticket's building blocks, both widths, both Chinese modes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from hardware.printer import commands as cmd
from hardware.printer.decode import parse, texts
from hardware.printer.driver import EscposPrinter
from hardware.printer.layout import cells, guide_commands, guide_document
from hardware.printer.profiles import PrinterProfile
from hardware.printer.simulator import PrinterSimulator
from kiosk.domain.slip import GuideSlip, SlipError
from kiosk.ports.printer import PaperOut, PrinterFault, TicketPrinter

PROFILES = [PrinterProfile(paper, mode) for paper in (58, 80) for mode in ("raster", "gb18030")]
MATERIALS = ("不动产登记申请书", "申请人身份证明", "不动产权属证书（原件）")


@pytest.fixture
def guide() -> GuideSlip:
    return GuideSlip(
        hall_name_zh="西峡县政务服务中心",
        hall_name_en="Xixia County Government Service Centre",
        item_name="不动产登记",
        materials=MATERIALS,
        printed_at=datetime(2026, 11, 23, 10, 5),
        note="办理时请携带本人有效身份证件。",
        hours_today="08:00-12:00 14:30-17:30",
        phone="0377-69666666",
    )


def _text(data: bytes) -> str:
    return "".join(texts(parse(data)))


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_one_job_with_every_material(profile: PrinterProfile, guide: GuideSlip) -> None:
    data = guide_commands(guide, profile)
    commands = parse(data)
    assert data.startswith(cmd.INIT) and data.endswith(cmd.CUT)
    assert [c.kind for c in commands].count("cut") == 1
    if profile.chinese == "gb18030":
        text = _text(data)
        for expected in ("办事指南", "不动产登记", *MATERIALS, "0377-69666666", "2026-11-23 10:05"):
            assert expected in text, expected
        width = 1  # no line wider than the paper: font A cells times the width multiplier
        for command in commands:
            if command.kind == "size":
                width = int(command.args["width"])
            elif command.kind == "text":
                assert cells(str(command.args["text"])) * width <= profile.columns
    else:
        rasters = [c for c in commands if c.kind == "raster"]
        assert rasters and all(int(c.args["width_bytes"]) * 8 <= profile.dots for c in rasters)


def test_materials_are_numbered_like_on_the_ticket(guide: GuideSlip) -> None:
    lines = [b.text for b in guide_document(guide) if hasattr(b, "text")]
    assert "所需材料：" in lines
    assert [line for line in lines if line[:2] in ("1.", "2.", "3.")] == [
        f"{i}. {m}" for i, m in enumerate(MATERIALS, 1)
    ]


def test_english_guide(guide: GuideSlip) -> None:
    english = replace(
        guide,
        language="en",
        item_name="Real estate registration",
        materials=("Application form", "Proof of identity"),
    )
    text = _text(guide_commands(english, PrinterProfile(80, "gb18030")))
    assert "Xixia County Government Service Centre" in text
    assert "Real estate registration" in text and "2. Proof of identity" in text
    assert "What to bring" in text


def test_a_guide_without_materials_is_refused(guide: GuideSlip) -> None:
    with pytest.raises(SlipError):
        replace(guide, materials=())
    with pytest.raises(SlipError):
        replace(guide, item_name=" ")


def test_the_driver_prints_the_guide_or_says_why_not(guide: GuideSlip) -> None:
    faults: list[PrinterFault] = []
    with PrinterSimulator(port=0, paper_mm=80) as simulator:
        printer = EscposPrinter(
            simulator.url("80-gb18030", timeout=10), listeners=[faults.append], confirm_timeout=10
        )
        assert isinstance(printer, TicketPrinter)
        printer.print_guide(guide)
        (job,) = simulator.jobs
        assert job.data == guide_commands(guide, printer.profile)
        simulator.set_paper_out()
        with pytest.raises(PaperOut):
            printer.print_guide(guide)
    assert [f.code for f in faults] == ["paper_out"]
