"""Supervision of the demo's processes: ready by NOTIFY_SOCKET, a clean stop, a kill for a
child that ignores SIGTERM, and a child that dies on its own named with its log."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kiosk.app.demo.supervisor import ChildFailed, Supervisor

ROOT = Path(__file__).resolve().parents[2]

READY_THEN_WAIT = """
import signal, sys, time
from kiosk.sd_notify import ready
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("up", flush=True)
ready("test child up")
while True:
    time.sleep(1)
"""
IGNORES_SIGTERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ignoring", "SIGTERM", flush=True)
while True:
    time.sleep(1)
"""
DIES = """
import sys
print("something went wrong", flush=True)
sys.exit(3)
"""


@pytest.fixture
def supervisor(tmp_path: Path) -> Supervisor:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    made = Supervisor(env, tmp_path / "state", cwd=tmp_path)
    yield made
    made.stop_all(grace=2)


def test_ready_children_stop_cleanly(supervisor: Supervisor, tmp_path: Path) -> None:
    children = [
        supervisor.start(f"child-{i}", [sys.executable, "-c", READY_THEN_WAIT],
                         tmp_path / "logs" / f"child-{i}.log", notify=True)
        for i in range(2)
    ]  # fmt: skip
    supervisor.wait_ready(children, timeout=30)
    assert all(child.ready for child in children)
    assert supervisor.stop_all(grace=10) == {"child-0": 0, "child-1": 0}
    assert "up" in (tmp_path / "logs" / "child-0.log").read_text()
    assert not list((tmp_path / "state").glob("*.notify"))  # the sockets are cleaned up


def test_a_child_ignoring_sigterm_is_killed_after_the_grace(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    stubborn = supervisor.start(
        "stubborn", [sys.executable, "-c", IGNORES_SIGTERM], tmp_path / "stubborn.log"
    )
    supervisor.wait_until(
        lambda: "ignoring SIGTERM" in (tmp_path / "stubborn.log").read_text(), "its first line", 30
    )
    assert supervisor.stop_all(grace=0.5) == {"stubborn": -9}
    assert stubborn.killed


def test_a_child_dying_on_its_own_is_named_with_its_log(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    log = tmp_path / "dies.log"
    supervisor.start("dies", [sys.executable, "-c", DIES], log, notify=True)
    with pytest.raises(ChildFailed) as failure:
        supervisor.wait_until(lambda: False, "never", timeout=30)
    message = str(failure.value)
    assert "dies exited unexpectedly" in message and "exit status 3" in message
    assert str(log) in message
    assert "something went wrong" in log.read_text()
