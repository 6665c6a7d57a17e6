"""Ticket render+encode time, bytes per ticket, estimated print time at 150 mm/s.

Run: ``.venv/bin/python bench/printer.py [--rounds 50]``. Target: render and encode under 50 ms
per ticket. The first ticket per profile (font loading) is reported separately.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

from hardware.printer.driver import estimated_print_seconds
from hardware.printer.layout import ticket_commands
from hardware.printer.profiles import PrinterProfile
from kiosk.domain.slip import TicketSlip


def slip(serial: int) -> TicketSlip:
    return TicketSlip(
        hall_name_zh="平谷区政务服务中心",
        hall_name_en="Pinggu District Government Service Centre",
        number=f"B{serial % 1000:03d}",
        service_name_zh="不动产登记",
        service_name_en="Real estate registration",
        issued_at=datetime(2026, 10, 8, 9, 12),
        ahead=serial % 40,
        wait_minutes=serial % 90,
        hours_today="09:00-12:00 13:00-17:00 延时 17:00-17:30",
        masked_name="张*三",
        slot_start=datetime(2026, 10, 8, 9, 0),
        slot_end=datetime(2026, 10, 8, 9, 30),
        item_name="不动产权证书补发",
        materials=("居民身份证原件", "不动产权证书遗失声明（报纸刊登页）", "申请表（现场填写）"),
        status_url=f"https://hall.example.gov.cn/t/2026-10-08/B{serial:03d}",
        phone="010-69962345",
        booked=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    print(
        f"{'profile':<20}{'first ms':>10}{'median ms':>11}{'p95 ms':>9}{'bytes':>9}{'print s':>9}"
    )
    for name in ("58-gb18030", "80-gb18030", "58-raster", "80-raster", "80-raster-qrimage"):
        profile = PrinterProfile.from_name(name)
        start = time.perf_counter()
        data = ticket_commands(slip(0), profile)
        first = (time.perf_counter() - start) * 1000
        times = []
        for serial in range(1, args.rounds + 1):
            start = time.perf_counter()
            data = ticket_commands(slip(serial), profile)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(
            f"{name:<20}{first:>10.1f}{statistics.median(times):>11.1f}{p95:>9.1f}"
            f"{len(data):>9}{estimated_print_seconds(data):>9.2f}"
        )
    _over_tcp(args.rounds)


def _over_tcp(rounds: int) -> None:
    """Whole print_ticket to the simulator on loopback: status, job, GS r confirmation."""
    from hardware.printer.driver import EscposPrinter
    from hardware.printer.simulator import PrinterSimulator

    print(f"\n{'over TCP to simulator':<20}{'median ms':>11}{'p95 ms':>9}")
    for name in ("58-gb18030", "80-raster"):
        with PrinterSimulator(paper_mm=int(name[:2])) as simulator:
            printer = EscposPrinter(simulator.url(name), print_speed_mm_s=1e9)
            times = []
            for serial in range(rounds):
                start = time.perf_counter()
                printer.print_ticket(slip(serial))
                times.append((time.perf_counter() - start) * 1000)
            assert len(simulator.jobs) == rounds
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{name:<20}{statistics.median(times):>11.1f}{p95:>9.1f}")


if __name__ == "__main__":
    main()
