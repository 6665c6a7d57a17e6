"""Every fault through the simulator over TCP: typed error, event, never "printed" when not."""

from __future__ import annotations

import socket

import pytest

from hardware.printer.driver import EscposPrinter
from hardware.printer.layout import ticket_commands
from hardware.printer.simulator import PrinterSimulator
from kiosk.domain.slip import TicketSlip
from kiosk.ports.printer import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterOffline,
    PrinterStatus,
    PrinterWriteError,
    TicketPrinter,
)

#: Paper moves instantly; the timeouts stay ample (a loaded machine must not turn a slow answer
#: into a fault). Only tests whose subject is silence wait short.
FAST = {"confirm_timeout": 10.0, "print_speed_mm_s": 100_000.0}
TIMEOUT = 10.0
SILENCE = 0.3  # for a printer that never answers: the silence is what such a test is about


def _printer(
    sim: PrinterSimulator,
    faults: list[PrinterFault],
    profile: str = "58-gb18030",
    timeout: float = TIMEOUT,
    confirm: float = TIMEOUT,
) -> EscposPrinter:
    options = {**FAST, "confirm_timeout": confirm}
    return EscposPrinter(sim.url(profile, timeout=timeout), listeners=[faults.append], **options)


@pytest.mark.parametrize("profile", ["58-gb18030", "58-raster"])
def test_printed_job_is_exactly_the_ticket(
    simulator: PrinterSimulator, booked_slip: TicketSlip, profile: str
) -> None:
    faults: list[PrinterFault] = []
    printer = _printer(simulator, faults, profile)
    assert isinstance(printer, TicketPrinter)
    assert printer.status() == PrinterStatus(online=True, paper="ok", cover_open=False)
    printer.print_ticket(booked_slip)
    (job,) = simulator.jobs
    assert job.cut
    assert job.data == ticket_commands(booked_slip, printer.profile)
    assert not faults


def test_booking_slip_prints(simulator: PrinterSimulator, booking_slip) -> None:  # type: ignore[no-untyped-def]
    _printer(simulator, []).print_booking(booking_slip)
    assert len(simulator.jobs) == 1


@pytest.mark.parametrize(
    ("switch", "error", "code"),
    [
        (lambda s: s.set_paper_out(), PaperOut, "paper_out"),
        (lambda s: s.set_cover_open(), CoverOpen, "cover_open"),
        (lambda s: s.set_offline(), PrinterOffline, "printer_offline"),
    ],
    ids=["paper_out", "cover_open", "offline"],
)
def test_fault_found_before_printing(
    simulator: PrinterSimulator,
    walk_in_slip: TicketSlip,
    switch,
    error,
    code,  # type: ignore[no-untyped-def]
) -> None:
    faults: list[PrinterFault] = []
    printer = _printer(simulator, faults, timeout=SILENCE if code == "printer_offline" else TIMEOUT)
    switch(simulator)
    with pytest.raises(error) as raised:
        printer.print_ticket(walk_in_slip)
    assert isinstance(raised.value, PrinterError)
    assert [(f.code, f.stage, f.number) for f in faults] == [(code, "before", "A007")]
    assert not simulator.jobs
    assert not printer.status().ready
    simulator.reset()
    printer.print_ticket(walk_in_slip)  # the same ticket is reprinted once fixed
    assert len(simulator.jobs) == 1


def test_status_reports_each_state(simulator: PrinterSimulator) -> None:
    printer = _printer(simulator, [])
    simulator.set_paper_near_end()
    assert printer.status() == PrinterStatus(True, "near_end", False)
    simulator.set_paper_out()
    assert printer.status() == PrinterStatus(False, "out", False)
    simulator.reset()
    simulator.set_cover_open()
    assert printer.status() == PrinterStatus(False, "ok", True)
    simulator.reset()
    simulator.set_offline()
    silent = _printer(simulator, [], timeout=SILENCE)
    assert silent.status() == PrinterStatus(False, "unknown", None)  # silence is not "paper OK"


def test_write_error(simulator: PrinterSimulator, booked_slip: TicketSlip) -> None:
    faults: list[PrinterFault] = []
    simulator.set_write_error()
    with pytest.raises(PrinterWriteError):
        _printer(simulator, faults, "58-raster").print_ticket(booked_slip)
    assert [f.code for f in faults] == ["printer_write_error"]
    assert faults[0].stage in ("during", "after")
    assert not simulator.jobs


def test_paper_runs_out_mid_ticket(simulator: PrinterSimulator, booked_slip: TicketSlip) -> None:
    faults: list[PrinterFault] = []
    simulator.run_out_after(5000)
    with pytest.raises(PaperOut):
        # the printer never confirms the ticket: that silence is the subject
        _printer(simulator, faults, "58-raster", confirm=SILENCE).print_ticket(booked_slip)
    assert [(f.code, f.stage) for f in faults] == [("paper_out", "after")]
    assert not simulator.jobs
    assert simulator.rejected


def test_near_end_prints_and_warns(simulator: PrinterSimulator, walk_in_slip: TicketSlip) -> None:
    faults: list[PrinterFault] = []
    simulator.set_paper_near_end()
    _printer(simulator, faults).print_ticket(walk_in_slip)
    assert len(simulator.jobs) == 1
    assert {f.code for f in faults} == {"paper_near_end"}


def test_unreachable_printer_is_offline(walk_in_slip: TicketSlip) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    faults: list[PrinterFault] = []
    printer = EscposPrinter(f"tcp:127.0.0.1:{port}?timeout=0.3", listeners=[faults.append])
    assert printer.status() == PrinterStatus(online=False)
    with pytest.raises(PrinterOffline):
        printer.print_ticket(walk_in_slip)
    assert faults[0].code == "printer_offline"


def test_raster_bytes_that_look_like_status_requests_are_not_answered(
    simulator: PrinterSimulator,
) -> None:
    from hardware.printer import commands as cmd

    rows = bytes([0x10, 0x04, 0x01] * 16)  # one 384-dot row of "DLE EOT 1"
    job = cmd.INIT + cmd.raster(384, 1, rows) + cmd.CUT
    EscposPrinter(simulator.url("58-raster", timeout=TIMEOUT), **FAST).print_job(job, "X1")
    assert simulator.jobs[0].data == job


def test_preview_dir(tmp_path, walk_in_slip: TicketSlip) -> None:  # type: ignore[no-untyped-def]
    with PrinterSimulator(paper_mm=80, preview_dir=tmp_path) as sim:
        EscposPrinter(sim.url("80-raster", timeout=TIMEOUT), **FAST).print_ticket(walk_in_slip)
        (job,) = sim.jobs
    assert job.preview == tmp_path / "job-0001.png"
    assert job.preview.stat().st_size > 1000
    assert (tmp_path / "job-0001.bin").read_bytes() == job.data


def test_file_printer_writes_bytes_status_unknown(tmp_path, walk_in_slip: TicketSlip) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "lp0"
    printer = EscposPrinter(f"file:{target}?profile=80-gb18030")
    assert printer.status() == PrinterStatus(online=True, paper="unknown", cover_open=None)
    printer.print_ticket(walk_in_slip)
    assert target.read_bytes() == ticket_commands(walk_in_slip, printer.profile)


def test_missing_usb_printer_is_offline_not_a_crash(walk_in_slip: TicketSlip) -> None:
    """No such USB device here (and perhaps no libusb): a typed error, never a traceback."""
    faults: list[PrinterFault] = []
    printer = EscposPrinter("usb:0x0416:0x5011?timeout=0.3", listeners=[faults.append])
    assert printer.status().online is False
    with pytest.raises(PrinterOffline):
        printer.print_ticket(walk_in_slip)
    assert faults[0].code == "printer_offline"
