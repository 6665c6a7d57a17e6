from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from hardware.printer.decode import parse, qr_codes, texts
from hardware.printer.simulator import PrinterSimulator, send_control
from kiosk.app.cli.main import main

TICKET = [
    "print",
    "ticket",
    "--number",
    "A012",
    "--service",
    "社保卡申领",
    "--hall-name",
    "西峡县政务服务中心",
    "--ahead",
    "3",
    "--wait",
    "12",
    "--issued",
    "2026-10-08T09:10",
    "--url",
    "https://hall.example/t/A012",
    "--hours",
    "08:00-12:00 14:30-17:30",
]


def test_print_ticket_png_and_bin(tmp_path: Path) -> None:
    png, raw = tmp_path / "out.png", tmp_path / "out.bin"
    assert main([*TICKET, "--profile", "58-gb18030", "--png", str(png), "--bin", str(raw)]) == 0
    commands = parse(raw.read_bytes())
    assert "前面还有 3 人" in "".join(texts(commands))
    assert qr_codes(commands)[0].content == "https://hall.example/t/A012"
    assert Image.open(png).width == 384 + 32


def test_print_ticket_with_where_marks_and_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "out.bin"
    marks = ["--where", "一楼B区 3 号窗口", "--priority", "--materials-only"]
    marks += ["--reprint", "2026-10-08T10:00", "--code", "649PFWF", "--name", "张*三"]
    assert main([*TICKET, *marks, "--profile", "80-gb18030", "--bin", str(raw)]) == 0
    printed = "".join(texts(parse(raw.read_bytes())))
    for expected in ("请到：一楼B区 3 号窗口", "【优先】", "【仅接收材料】", "【补打】"):
        assert expected in printed, expected
    assert "补打时间：2026-10-08 10:00" in printed and "预约码：649PFWF" in printed
    assert main([*TICKET, "--code", "0f8fad5b", "--bin", str(raw)]) == 2
    assert "booking code '0f8fad5b'" in capsys.readouterr().err


def test_print_ticket_to_simulator_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    with PrinterSimulator(paper_mm=80) as sim:
        url = sim.url("80-raster", timeout=10)
        assert main([*TICKET, "--printer", url]) == 0
        assert len(sim.jobs) == 1
        assert main(["print", "status", "--printer", url, "--json"]) == 0
        assert json.loads(capsys.readouterr().out.split("\n", 1)[1]) == {
            "online": True,
            "paper": "ok",
            "cover_open": False,
        }
        sim.set_paper_out()
        assert main([*TICKET, "--printer", url]) == 1
        assert "缺纸" in capsys.readouterr().err
        assert main(["print", "status", "--printer", url, "--json"]) == 1
        assert json.loads(capsys.readouterr().out)["paper"] == "out"
        assert len(sim.jobs) == 1


def test_print_ticket_needs_a_destination_and_valid_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(TICKET) == 2
    assert main([*TICKET, "--printer", "lpt:1"]) == 2
    assert main([*TICKET, "--png", "/tmp/x.png", "--name", "张三"]) == 2
    assert "masked" in capsys.readouterr().err


def test_simulate_and_control_from_another_process(tmp_path: Path) -> None:
    control = tmp_path / "printer.ctl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.app.cli.main",
            "printer",
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--paper",
            "58",
            "--control",
            str(control),
            "--preview-dir",
            str(tmp_path / "jobs"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(": ", 1)[1].strip()
        for _ in range(100):
            if control.exists():
                break
            time.sleep(0.05)
        assert main([*TICKET, "--printer", url + "&timeout=10"]) == 0
        state = send_control(control, "paper_out")
        assert state["paper"] == "out" and state["jobs"] == 1
        assert main([*TICKET, "--printer", url + "&timeout=10"]) == 1
        assert main(["printer", "control", "--control", str(control), "reset"]) == 0
        assert main([*TICKET, "--printer", url + "&timeout=10"]) == 0
        assert sorted(p.name for p in (tmp_path / "jobs").glob("*.png")) == [
            "job-0001.png",
            "job-0002.png",
        ]
    finally:
        process.terminate()
        process.wait(timeout=10)
