"""The import contracts in ``.importlinter`` hold, cover every module, and do catch a breach.

``./hall test`` runs ``lint-imports`` before pytest; these tests make sure that check means
something: a module added to ``kiosk`` lands in the contracts' lists (or the run fails here),
and a screen importing ``sync`` - the breach issue 18 found - fails ``lint-imports``.
"""

from __future__ import annotations

import configparser
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import kiosk

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# The modules of kiosk that hardware may import (argued in .importlinter).
HARDWARE_MAY_IMPORT = {"kiosk.ports", "kiosk.domain", "kiosk.i18n"}


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS, encoding="utf-8")
    return parser[f"importlinter:contract:{name}"]


def _lines(value: str) -> set[str]:
    return {line.strip() for line in value.splitlines() if line.strip()}


def _kiosk_modules() -> set[str]:
    return {f"kiosk.{info.name}" for info in pkgutil.iter_modules(kiosk.__path__)}


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(cwd / ".importlinter")],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_core_module_is_bound_by_the_core_contract() -> None:
    sources = _lines(_contract("core")["source_modules"])
    assert sources == _kiosk_modules() - {"kiosk.app"}


def test_hardware_may_import_only_the_ports_domain_and_catalogue() -> None:
    forbidden = _lines(_contract("hardware")["forbidden_modules"])
    assert _kiosk_modules() - forbidden == HARDWARE_MAY_IMPORT


def test_the_contracts_hold_today() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_screen_importing_sync_breaks_the_run(tmp_path: Path) -> None:
    for package in ("kiosk", "hardware", "screens", "sync"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(CONTRACTS, tmp_path / ".importlinter")
    breach = tmp_path / "screens" / "theme.py"
    breach.write_text(breach.read_text(encoding="utf-8") + "\nimport sync.state\n", "utf-8")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "screens is not allowed to import sync" in result.stdout
    assert "screens.theme -> sync.state" in result.stdout
