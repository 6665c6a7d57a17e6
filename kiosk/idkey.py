"""Where the hall's ID-hash key lives, kept apart from the store it protects.

The store knows a citizen only by the HMAC of the ID number under this key. An ID number has
little entropy (an area code, a birth date, a sequence number and a check character), so anyone
holding a copy of the store *and* the key gets every number back by trying them all in seconds.
The key therefore never sits in the data directory beside the database: a copied or backed-up
state directory must not carry it.

Where the key comes from, first found wins:

1. ``KIOSK_ID_HASH_KEY`` in the environment (a systemd ``EnvironmentFile`` readable by root);
2. ``id_hash_key`` in ``device.toml`` (the file is then refused if every user may read it);
3. the key file: ``id_hash_key_file`` in ``device.toml``, by default ``id-hash.key`` next to
   ``device.toml`` in the device's config directory (``/etc/hall-kiosk`` on a deployed
   machine). A single machine without a key gets one generated there, mode 0640.

A key file is refused when every user may read it, or when it lies inside the data directory
or the store's directory. Older versions generated the key as ``id-hash.key`` in the data
directory: it is moved to the new place on first use (same key, so every stored hash still
matches), or, where this user may not write the config directory, refused with the command that
moves it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import SettingsError

KEY_FILE_NAME = "id-hash.key"
MIN_KEY_LENGTH = 32
KEY_FILE_MODE = 0o640


class KeyFileError(SettingsError):
    """The ID-hash key is missing, misplaced or exposed; the message says how to fix it."""


@dataclass(frozen=True)
class KeySource:
    """Where the key was read from, for ``kiosk doctor``."""

    kind: str  # "environment", "device.toml" or "file"
    path: Path | None = None
    migrated_from: Path | None = None


def check_key(text: str, where: str) -> bytes:
    if len(text) < MIN_KEY_LENGTH:
        raise KeyFileError(
            f"{where}: the ID-hash key must be at least {MIN_KEY_LENGTH} characters "
            "(e.g. the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return text.encode("utf-8")


def world_readable(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IROTH)


def refuse_if_world_readable(path: Path, what: str) -> None:
    if world_readable(path):
        mode = stat.S_IMODE(path.stat().st_mode)
        raise KeyFileError(
            f"{path}: {what} is readable by every user of this machine (mode {mode:04o}): "
            f"`chmod 0640 {path}` (root-owned, group of the kiosk user)"
        )


def _inside(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False


def refuse_in_state_dirs(path: Path, state_dirs: list[Path]) -> None:
    for directory in state_dirs:
        if _inside(path, directory):
            raise KeyFileError(
                f"{path}: the ID-hash key must not lie in the data directory {directory}, "
                "beside the store it protects (a copy of that directory would carry it): "
                "keep it in the device's config directory (id_hash_key_file)"
            )


def load_key_file(
    path: Path, state_dirs: list[Path], old_place: Path | None
) -> tuple[bytes, KeySource]:
    """The key in ``path``: moved there from ``old_place`` or generated when missing."""
    refuse_in_state_dirs(path, state_dirs)
    migrated = None
    if not path.exists():
        if old_place is not None and old_place.exists():
            _move_old_key(old_place, path)
            migrated = old_place
        else:
            _generate(path)
    refuse_if_world_readable(path, "the ID-hash key")
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"{path}: cannot read the ID-hash key: {error}") from None
    return check_key(text, str(path)), KeySource("file", path, migrated)


def _write_new(path: Path, content: str) -> None:
    """Write ``content`` whole to a private temporary file and link it into place: a second
    process starting at the same moment either wins the link or reads the complete winner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content)
        os.chmod(temporary, KEY_FILE_MODE)  # the umask may have taken bits away; 0640 exactly
        if os.getuid() == 0:  # root-owned, readable by the group of the config directory
            os.chown(temporary, 0, path.parent.stat().st_gid)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _generate(path: Path) -> None:
    try:
        _write_new(path, secrets.token_hex(32) + "\n")
    except PermissionError as error:
        raise KeyFileError(
            f"{path}: no ID-hash key, and this user may not create one ({error.strerror}): "
            f"create it as root: `python3 -c 'import secrets; print(secrets.token_hex(32))' "
            f"> {path} && chmod 0640 {path}`"
        ) from None


def _move_old_key(old: Path, new: Path) -> None:
    """Move a key generated by an older version from the data directory to ``new``."""
    try:
        text = old.read_text(encoding="ascii")
        _write_new(new, text)
        if new.read_text(encoding="ascii").strip() != text.strip():
            raise KeyFileError(f"{new}: holds another key than {old}: remove one of them")
        old.unlink()
    except PermissionError as error:
        raise KeyFileError(
            f"{old}: the ID-hash key is still in the data directory, beside the store, and "
            f"this user may not move it ({error.strerror}): as root, `install -m 0640 {old} "
            f"{new} && rm {old}`"
        ) from None
