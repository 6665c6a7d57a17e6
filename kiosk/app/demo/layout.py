"""The demo directory: stores, device settings, sockets, logs, tickets and screenshots.

Every run starts from an empty directory (``demo`` in the platform data directory, or the
``--dir`` given) so nothing of an earlier run (a ticket counter, a sync cursor, a token)
confuses the new one; what a run left (logs, tickets, screenshots) stays until the next run.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from kiosk.settings import data_dir

#: The marker that makes a directory a demo directory, which a fresh run may empty.
MARKER = ".hall-kiosk-demo"


class DemoDirError(RuntimeError):
    """The demo directory cannot be used; the message says which and why."""


@dataclass(frozen=True)
class DemoDir:
    root: Path

    @property
    def hall_db(self) -> Path:
        return self.root / "hall.sqlite3"

    @property
    def central_db(self) -> Path:
        return self.root / "central.sqlite3"

    @property
    def devices(self) -> Path:
        return self.root / "devices"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tickets(self) -> Path:
        return self.root / "tickets"

    @property
    def screenshots(self) -> Path:
        return self.root / "screenshots"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def reader_link(self) -> Path:
        return self.root / "reader"

    @property
    def printer_control(self) -> Path:
        return self.root / "printer.ctl"

    @property
    def scenario_file(self) -> Path:
        return self.root / "cards.json"

    @property
    def kivy_home(self) -> Path:
        return self.root / "kivy"

    def device_config(self, name: str) -> Path:
        return self.devices / f"{name}.toml"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def hall_url(self) -> str:
        return f"sqlite:///{self.hall_db}"

    def central_url(self) -> str:
        return f"sqlite:///{self.central_db}"


def default_root() -> Path:
    return data_dir() / "demo"


def prepare(root: Path) -> DemoDir:
    """Make the demo directory, emptied; a directory that holds anything but an earlier demo
    is refused, so ``--dir ~`` never empties a home directory."""
    root = root.expanduser().absolute()
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise DemoDirError(
                f"{root} is not empty and is not a demo directory; choose another --dir"
            )
        _empty(root)
    demo = DemoDir(root)
    for folder in (root, demo.devices, demo.logs, demo.tickets, demo.screenshots, demo.state):
        folder.mkdir(parents=True, exist_ok=True)
    demo.kivy_home.mkdir(exist_ok=True)
    (root / MARKER).write_text("made by `kiosk demo`; emptied by the next run with this --dir\n")
    # The pty link and control sockets of a run that was killed are stale: remove them.
    for stale in (demo.reader_link, demo.printer_control, Path(f"{demo.reader_link}.ctl")):
        if stale.is_symlink() or stale.exists():
            stale.unlink()
    if len(str(demo.reader_link)) + 4 > 100:
        raise DemoDirError(f"{root}: path too long for a Unix socket; choose a shorter --dir")
    return demo


def _empty(root: Path) -> None:
    import shutil

    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def new_key() -> str:
    """The ID-hash key every device of the demo hall and the central store share."""
    return secrets.token_hex(32)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_device_config(
    demo: DemoDir,
    name: str,
    *,
    hall: str,
    key: str,
    terminal: str,
    reader_port: str | None = None,
    printer_url: str | None = None,
    central_url: str | None = None,
    token: str | None = None,
    queue_page_url: str | None = None,
) -> Path:
    """One machine's ``device.toml`` (mode 0600: it holds the key and maybe a token)."""
    lines = [
        f"hall = {_toml_text(hall)}",
        f"terminal = {_toml_text(terminal)}",
        f"database_url = {_toml_text(demo.hall_url())}",
        f"id_hash_key = {_toml_text(key)}",
    ]
    if reader_port:
        lines.append(f"reader_port = {_toml_text(reader_port)}")
    if printer_url:
        lines.append(f"printer_url = {_toml_text(printer_url)}")
    if queue_page_url:
        lines.append(f"queue_page_url = {_toml_text(queue_page_url)}")
    if central_url and token:
        lines += [
            "",
            "[central]",
            f"url = {_toml_text(central_url)}",
            f"token = {_toml_text(token)}",
        ]
    path = demo.device_config(name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path
