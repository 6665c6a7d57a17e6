from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from hardware.printer.simulator import PrinterSimulator
from kiosk.domain.slip import BookingSlip, TicketSlip

MATERIALS = ("居民身份证原件", "不动产权证书遗失声明（报纸刊登页）", "申请表（现场填写）")
STATUS_URL = "https://hall.example.gov.cn/t/2026-10-08/B012"


@pytest.fixture
def booked_slip() -> TicketSlip:
    return TicketSlip(
        hall_name_zh="平谷区政务服务中心",
        hall_name_en="Pinggu District Government Service Centre",
        number="B012",
        service_name_zh="不动产登记",
        service_name_en="Real estate registration",
        issued_at=datetime(2026, 10, 8, 9, 12),
        ahead=5,
        wait_minutes=25,
        hours_today="09:00-12:00 13:00-17:00 延时 17:00-17:30",
        masked_name="张*三",
        slot_start=datetime(2026, 10, 8, 9, 0),
        slot_end=datetime(2026, 10, 8, 9, 30),
        item_name="不动产权证书补发",
        materials=MATERIALS,
        status_url=STATUS_URL,
        phone="010-69962345",
        booked=True,
    )


@pytest.fixture
def walk_in_slip() -> TicketSlip:
    return TicketSlip(
        hall_name_zh="西峡县政务服务中心",
        hall_name_en="Xixia County Government Service Centre",
        number="A007",
        service_name_zh="社保卡申领",
        service_name_en="Social security card",
        issued_at=datetime(2026, 10, 9, 12, 40),
        ahead=0,
        wait_minutes=0,
        hours_today="08:00-12:00 午间 12:00-14:30 14:30-17:30",
    )


@pytest.fixture
def booking_slip() -> BookingSlip:
    return BookingSlip(
        hall_name_zh="西峡县政务服务中心",
        hall_name_en="Xixia County Government Service Centre",
        item_name="营业执照变更登记",
        slot_start=datetime(2026, 10, 10, 9, 0),
        slot_end=datetime(2026, 10, 10, 9, 30),
        masked_name="李*红",
        printed_at=datetime(2026, 10, 8, 15, 20),
        materials=("营业执照正副本", "变更登记申请书"),
        phone="0377-69666666",
        booking_code="K7MX4PH",
    )


@pytest.fixture
def simulator() -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0, paper_mm=58) as printer:
        yield printer
