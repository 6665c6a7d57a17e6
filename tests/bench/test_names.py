"""Benchmark scripts run as ``python bench/NAME.py``, which puts bench/ first on the import
path: a script named like a module (the standard ``queue``, the project's ``kiosk`` or
``sync``) would stand in for it in every import of that run. No bench name may be importable
from anywhere else, so no script needs to edit ``sys.path`` to hide bench/ (issue 18)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench_names() -> set[str]:
    scripts = {p.stem for p in BENCH.glob("*.py")}
    packages = {p.name for p in BENCH.iterdir() if (p / "__init__.py").exists()}
    return scripts | packages


def test_no_bench_module_shadows_another_module() -> None:
    names = _bench_names()
    assert {"day", "central", "queue_load"} <= names
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
    try:
        taken = {n for n in names if n in sys.stdlib_module_names or importlib.util.find_spec(n)}
    finally:
        sys.path[:] = saved
    assert not taken


def test_no_bench_script_hides_bench_from_the_import_path() -> None:
    hiding = [p.name for p in BENCH.rglob("*.py") if "sys.path[:]" in p.read_text("utf-8")]
    assert not hiding
