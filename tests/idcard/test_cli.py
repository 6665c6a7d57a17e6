from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hardware.idcard.card import build_read_data
from hardware.idcard.cardfile import SimulatedCard
from hardware.idcard.codec import encode_reply
from hardware.idcard.simulator import ReaderSimulator
from kiosk.app.cli.main import main

from .conftest import wait_until

KEYS = [
    "card_type",
    "name",
    "name_en",
    "sex",
    "nation",
    "nationality",
    "birth",
    "address",
    "id_number",
    "authority",
    "valid_from",
    "valid_to",
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def read_frame(card: SimulatedCard) -> bytes:
    return encode_reply(0x90, build_read_data(card.text_block()))


def test_decode_hex_capture_masked_and_in_full(
    tmp_path: Path, cards: dict[str, SimulatedCard], capsys: pytest.CaptureFixture[str]
) -> None:
    card = cards["resident-zhang-wei"]
    capture = tmp_path / "reply.hex"
    capture.write_text(read_frame(card).hex(" ").upper() + "\n")
    status, out, _ = run(["card", "decode", str(capture), "--json"], capsys)
    assert status == 0
    document = json.loads(out)
    assert list(document) == KEYS
    assert document["name"] == "张*"
    assert document["id_number"] == card.identity.masked_number
    assert card.identity.id_number not in out
    assert document["valid_to"] == "2036-05-20"
    status, out, _ = run(["card", "decode", str(capture), "--json", "--show-id"], capsys)
    assert json.loads(out)["id_number"] == card.identity.id_number


def test_decode_binary_capture_of_a_foreign_card(
    tmp_path: Path, cards: dict[str, SimulatedCard], capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "reply.bin"
    capture.write_bytes(b"\x00\x13" + read_frame(cards["foreign-2017-smith"]))
    status, out, _ = run(["card", "decode", str(capture), "--json"], capsys)
    document = json.loads(out)
    assert status == 0
    assert document["card_type"] == "foreign_permanent"
    assert document["name_en"] == "S****, J*** R*****"
    assert document["nationality"] == "USA"
    assert document["nation"] is None and document["address"] is None


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda f: f[:-1] + bytes([f[-1] ^ 1]), "checksum"),
        (lambda f: f[:200], "cut short"),
        (lambda f: encode_reply(0x80), "no card"),
    ],
)
def test_decode_refuses_a_bad_capture_in_one_line(
    tmp_path: Path,
    cards: dict[str, SimulatedCard],
    capsys: pytest.CaptureFixture[str],
    mangle,
    message: str,
) -> None:
    capture = tmp_path / "reply.bin"
    capture.write_bytes(mangle(read_frame(cards["resident-zhang-wei"])))
    status, out, err = run(["card", "decode", str(capture), "--json"], capsys)
    assert status == 1 and out == ""
    assert message in err and err.count("\n") == 1


def test_read_over_a_pty(
    simulator: ReaderSimulator, cards: dict[str, SimulatedCard], capsys: pytest.CaptureFixture[str]
) -> None:
    simulator.place_card(cards["hmt-chan-ka-yan"])
    argv = ["card", "read", "--port", simulator.url, "--json", "--today", "2026-11-23"]
    status, out, _ = run(argv, capsys)
    assert status == 0
    document = json.loads(out)
    assert document["card_type"] == "hmt_residence"
    assert document["name"] == "陈*欣"
    assert document["id_number"] == "8100**********0261"


def test_read_refuses_an_expired_card(
    simulator: ReaderSimulator, cards: dict[str, SimulatedCard], capsys: pytest.CaptureFixture[str]
) -> None:
    simulator.place_card(cards["resident-wang-guihua-72"])
    argv = ["card", "read", "--port", simulator.url, "--today", "2026-11-23"]
    status, out, _ = run(argv, capsys)
    assert status == 0 and "长期" in out
    simulator.place_card(cards["resident-ouyang-xiaoming-expired"])
    status, out, err = run(argv, capsys)
    assert status == 1 and out == ""
    assert "证件已过期" in err and err.count("\n") == 1


def test_read_without_a_card_or_a_reader(
    simulator: ReaderSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["card", "read", "--port", simulator.url, "--timeout", "0.3"], capsys)
    assert status == 1 and "没有读到证件" in err
    missing = str(tmp_path / "nothing")
    status, _, err = run(["card", "read", "--port", missing, "--timeout", "5"], capsys)
    assert status == 1 and "读卡器未连接" in err and err.count("\n") == 1


def test_simulate_and_control_from_another_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "reader"
    command = ["card", "simulate", "--link", str(link), "--card", "resident-li-xiaohong"]
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.app.cli.main", *command],
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # a test run started in the background inherits SIGINT ignored, and so would the child:
        # give it the default back, so Ctrl-C (SIGINT below) reaches it as at a terminal
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        wait_until(lambda: Path(f"{link}.ctl").exists(), timeout=20)
        status, out, _ = run(["card", "control", "--link", str(link), "status"], capsys)
        assert status == 0 and json.loads(out)["card_state"] == "present"
        read = ["card", "read", "--port", str(link), "--json", "--today", "2026-11-23"]
        status, out, _ = run(read, capsys)
        assert json.loads(out)["name"] == "李*红"
        run(["card", "control", "--link", str(link), "place", "foreign-2023-muller"], capsys)
        status, out, _ = run(read, capsys)
        assert json.loads(out)["nationality"] == "DEU"
        status, out, _ = run(
            ["card", "control", "--link", str(link), "fault", "stall", "--times", "1"], capsys
        )
        assert json.loads(out)["fault"] == {"fault": "stall", "on": None, "times": 1}
        status, _, err = run(["card", "control", "--link", str(link), "fault", "melt"], capsys)
        assert status == 1 and "melt" in err
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert not link.exists() and not Path(f"{link}.ctl").exists()
    status, _, err = run(["card", "control", "--link", str(link), "status"], capsys)
    assert status == 1 and "no simulator" in err
