"""Real filesystem faults for store tests: a small tmpfs that fills up, one mounted read-only,
and pages of an SQLite file overwritten with garbage.

Mounting needs root (CAP_SYS_ADMIN), which ``./hall test`` has on the CI machine; elsewhere the
tests that need it are skipped, saying why. Nothing is simulated: SQLite meets a real ENOSPC or
EROFS from the kernel.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@contextmanager
def small_filesystem(path: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` mounted at ``path`` for the duration of the block."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root (./hall test runs as root)")
    path.mkdir(parents=True, exist_ok=True)
    mounted = _mount("-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(path))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path, leave_bytes: int) -> Path:
    """Fill the filesystem of ``directory`` until about ``leave_bytes`` remain free."""
    filler = directory / "filler"
    free = shutil.disk_usage(directory).free
    size = max(0, free - leave_bytes)
    with filler.open("wb") as handle:
        chunk = b"\0" * 4096
        while size >= len(chunk):
            handle.write(chunk)
            size -= len(chunk)
        handle.write(b"\0" * size)
    return filler


def free_bytes(directory: Path) -> int:
    return shutil.disk_usage(directory).free


def remount(path: Path, mode: str) -> None:
    """Remount ``path`` read-only (``ro``) or read-write (``rw``)."""
    result = _mount("-o", f"remount,{mode}", str(path))
    assert result.returncode == 0, result.stderr


def damage(
    db: Path, tables: tuple[str, ...] = ("tickets", "counters"), indexes: bool = False
) -> None:
    """Overwrite the root pages of ``tables`` (and, with ``indexes``, of their indexes) in the
    SQLite file ``db`` with garbage, as a failing disk might: a read that meets one says
    "database disk image is malformed". Open connections keep their cache: dispose of them."""
    kinds = ("table", "index") if indexes else ("table",)
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        marks = ", ".join("?" * len(tables))
        roots = [
            root
            for (root,) in connection.execute(
                f"SELECT rootpage FROM sqlite_master WHERE tbl_name IN ({marks})"
                f" AND type IN ({', '.join('?' * len(kinds))}) AND rootpage > 0",
                (*tables, *kinds),
            )
        ]
    connection.close()
    noise = hashlib.sha256(b"damage").digest() * 8
    with db.open("r+b") as handle:
        for root in roots:
            handle.seek((root - 1) * page_size + 8)
            handle.write(noise[:200])
