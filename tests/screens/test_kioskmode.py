"""Kiosk mode's hidden staff exit: the gesture and PIN rules, then the pad in a real window."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.kioskmode import STAFF_EXIT_STATUS, ExitGesture, PinGuard
from tests.screens.harness import run_driver


def test_five_quick_corner_taps_make_the_gesture() -> None:
    gesture = ExitGesture()
    height = 1920
    assert not any(gesture.touch(10, height - 10, height, t * 0.5) for t in range(4))
    assert gesture.touch(10, height - 10, height, 2.0)


def test_slow_or_interrupted_taps_do_not() -> None:
    gesture = ExitGesture()
    assert not any(gesture.touch(10, 1910, 1920, t * 1.5) for t in range(5))  # too slow
    gesture = ExitGesture()
    for t in range(4):
        gesture.touch(10, 1910, 1920, t * 0.1)
    assert not gesture.touch(500, 900, 1920, 0.5)  # a touch elsewhere resets
    assert not gesture.touch(10, 1910, 1920, 0.6)
    assert not gesture.touch(10, 10, 1920, 0.7)  # bottom-left is not the corner


def test_pin_guard_locks_out_after_three_wrong_tries() -> None:
    guard = PinGuard("2580")
    assert guard.check("1111", 0.0) == "wrong"
    assert guard.check("1112", 1.0) == "wrong"
    assert guard.check("1113", 2.0) == "locked"
    assert guard.check("2580", 30.0) == "locked"  # even the right PIN, while locked
    assert guard.locked_for(30.0) == pytest.approx(32.0)
    assert guard.check("2580", 62.5) == "ok"


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "１２３４"])
def test_pin_must_be_4_to_8_ascii_digits(pin: str) -> None:
    with pytest.raises(ValueError):
        PinGuard(pin)


def test_pad_in_a_real_window(window_available: None, artefacts: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    document = run_driver("drive_staff_exit.py", [store, str(artefacts)])
    steps = {step["step"]: step for step in document["steps"]}
    assert steps["four taps"]["pad"] is False
    assert steps["interrupted"]["pad"] is False
    assert steps["five taps"]["pad"] is True
    assert steps["typed"]["entered"] == "1111"
    assert steps["wrong"]["message"] == "密码错误" and steps["wrong"]["status"] == 0
    assert steps["wrong"]["stats"]["stddev"] > 20
    assert steps["right"]["status"] == STAFF_EXIT_STATUS and steps["right"]["pad"] is False


def test_staff_pin_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.settings import SettingsError, settings_from

    monkeypatch.delenv("KIOSK_STAFF_PIN", raising=False)
    monkeypatch.setenv("KIOSK_ID_HASH_KEY", "k" * 40)
    assert settings_from({"staff_pin": "2580"}, None).staff_pin == "2580"
    assert settings_from({}, None).staff_pin is None
    assert "2580" not in repr(settings_from({"staff_pin": "2580"}, None))
    with pytest.raises(SettingsError, match="staff_pin: expected 4 to 8 digits"):
        settings_from({"staff_pin": "25"}, None)
    monkeypatch.setenv("KIOSK_STAFF_PIN", "135790")
    assert settings_from({"staff_pin": "2580"}, None).staff_pin == "135790"


def test_systemd_units_do_not_restart_after_a_staff_exit() -> None:
    units = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    for name in ("hall-kiosk.service", "hall-staff@.service", "hall-display.service"):
        text = (units / name).read_text(encoding="utf-8")
        assert f"RestartPreventExitStatus={STAFF_EXIT_STATUS}" in text
