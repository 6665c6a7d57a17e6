"""Running the demo's processes: start, wait until ready, watch, and stop them all cleanly.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only the demo, which
then stops the children itself, newest first (the screens before the stores they use): SIGTERM,
then SIGKILL for any still running after the grace period. A child that exits while nobody
asked it to ends the demo: the supervisor names it and its log file, and stops the rest.
Readiness is the systemd protocol the roles already speak: each child gets its own
``NOTIFY_SOCKET`` and is ready when it sends ``READY=1``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

#: Seconds a child has to exit after SIGTERM before it is killed.
GRACE_SECONDS = 10.0


class ChildFailed(RuntimeError):
    """A child exited on its own (or never became ready); the message names its log."""

    def __init__(self, child: Child, reason: str) -> None:
        self.child = child
        status = child.returncode
        how = f"exit status {status}" if status is not None else "still running"
        super().__init__(f"{child.name} {reason} ({how}); its log: {child.log}")


@dataclass
class Child:
    name: str
    argv: list[str]
    log: Path
    process: subprocess.Popen[bytes]
    notify: socket.socket | None = None
    notify_path: Path | None = None
    ready: bool = False
    stop_requested: bool = False
    killed: bool = False
    started_at: float = field(default_factory=time.monotonic)
    ready_after: float | None = None
    _log_file: IO[bytes] | None = None

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def poll_ready(self) -> bool:
        """Read the child's notifications; True once it said READY=1."""
        if self.ready or self.notify is None:
            return self.ready
        while True:
            try:
                message = self.notify.recv(4096)
            except BlockingIOError:
                return self.ready
            if b"READY=1" in message.split(b"\n"):
                self.ready = True
                self.ready_after = time.monotonic() - self.started_at
                return True

    def close(self) -> None:
        if self.notify is not None:
            self.notify.close()
            self.notify = None
        if self.notify_path is not None:
            self.notify_path.unlink(missing_ok=True)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


class Supervisor:
    def __init__(self, env: dict[str, str], notify_dir: Path, cwd: Path | None = None) -> None:
        self.env = env
        self.notify_dir = notify_dir
        self.cwd = cwd
        self.children: list[Child] = []

    def start(
        self,
        name: str,
        argv: list[str],
        log: Path,
        *,
        env: dict[str, str] | None = None,
        notify: bool = False,
    ) -> Child:
        """Start a child with its output in ``log``; ``notify`` gives it a NOTIFY_SOCKET."""
        child_env = {**self.env, **(env or {})}
        child_env.pop("NOTIFY_SOCKET", None)
        listener = path = None
        if notify:
            self.notify_dir.mkdir(parents=True, exist_ok=True)
            path = self.notify_dir / f"{name}.notify"
            path.unlink(missing_ok=True)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            listener.bind(str(path))
            listener.setblocking(False)
            child_env["NOTIFY_SOCKET"] = str(path)
        log.parent.mkdir(parents=True, exist_ok=True)
        log_file = log.open("ab")
        log_file.write(f"$ {' '.join(argv)}\n".encode())
        log_file.flush()
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=child_env,
            cwd=self.cwd,
            start_new_session=True,
        )
        child = Child(name, argv, log, process, listener, path, _log_file=log_file)
        self.children.append(child)
        return child

    def check(self) -> None:
        """Raise ``ChildFailed`` for the first child that exited without being asked to."""
        for child in self.children:
            if not child.stop_requested and child.returncode is not None:
                raise ChildFailed(child, "exited unexpectedly")

    def wait_until(
        self, condition: Callable[[], bool], what: str, timeout: float, child: Child | None = None
    ) -> None:
        """Wait for ``condition`` while watching every child; a generous limit, not a timer."""
        deadline = time.monotonic() + timeout
        while not condition():
            self.check()
            if time.monotonic() > deadline:
                if child is not None:
                    raise ChildFailed(child, f"did not get ready: {what} within {timeout:g} s")
                raise TimeoutError(f"{what}: not within {timeout:g} s")
            time.sleep(0.05)

    def wait_ready(self, children: list[Child], timeout: float) -> None:
        for child in children:
            self.wait_until(child.poll_ready, "READY=1", timeout, child)

    def signal(self, child: Child, signum: int) -> None:
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.process.pid, signum)

    def stop_all(self, grace: float = GRACE_SECONDS) -> dict[str, int]:
        """SIGTERM to every child still running (newest first), SIGKILL after ``grace``;
        returns each child's exit status (negative: killed by that signal)."""
        for child in reversed(self.children):
            child.stop_requested = True
            self.signal(child, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                child.killed = True
                child.process.kill()
                child.process.wait()
        statuses = {}
        for child in self.children:
            statuses[child.name] = child.process.returncode
            child.close()
        return statuses
