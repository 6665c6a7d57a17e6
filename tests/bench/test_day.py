"""The day in the life in its short form: 300 citizens through the real processes, stores and
server, the link dropped twice, a kiosk killed and restarted, a printer out of paper; the
script's own reconciliation must find every citizen, ticket, booking and event accounted for.

No timing is asserted: the latencies the script prints are for docs/benchmarks.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg import PG_ENV, postgres_url

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["--citizens", "300", "--wall-seconds", "25"]


def run_day(*options: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "day.py"), *SHORT, *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def assert_reconciled(output: str) -> None:
    assert "killed (SIGKILL)" in output and "restarted" in output
    assert "reconciliation: OK" in output
    assert "FAILED" not in output
    drops = [line for line in output.splitlines() if "link drop" in line]
    assert len(drops) == 2 and all("yes," in line for line in drops), drops
    assert "tickets shown on screen only (paper out)" in output


@pytest.mark.slow
def test_a_short_day_on_sqlite_reconciles() -> None:
    assert_reconciled(run_day("--store", "sqlite"))


@pytest.mark.slow
@pytest.mark.postgres
def test_a_short_day_on_postgresql_reconciles() -> None:
    url = postgres_url()
    if url is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (a server URL); not set")
    assert_reconciled(run_day("--store", "postgresql", "--postgres", url))
