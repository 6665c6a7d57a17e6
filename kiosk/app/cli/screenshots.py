"""``kiosk screenshots``: every kiosk screen drawn again, so no picture of it is ever stale.

Two runs, each in its own window process: the tour (``screens.tour``) plays every citizen
path and writes ``docs/screens/`` (the pictures the README shows, and ``README.md`` listing the
paths with their spoken lines); the gallery (``screens.gallery``) draws every screen in both
sizes and both languages into ``--gallery`` and fails on any cut-off text or small button.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.app.cli.common import CliError, add_json_flag, print_json
from kiosk.errors import ExitCode

ROOT = Path(__file__).resolve().parents[3]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shots = subparsers.add_parser(
        "screenshots", help="draw every kiosk screen again (docs/screens and a gallery)"
    )
    shots.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "screens", help="the citizen paths (docs)"
    )
    shots.add_argument(
        "--gallery",
        type=Path,
        default=ROOT / "artefacts" / "screens" / "gallery",
        help="every screen x 标准/大字 x 中文/English (not committed: 200-odd pictures)",
    )
    shots.add_argument("--no-gallery", action="store_true", help="only the citizen paths")
    add_json_flag(shots)
    shots.set_defaults(handler=run_screenshots)


def _run(module: str, *args: str) -> dict[str, object]:
    env = dict(os.environ)
    env.setdefault("KIVY_NO_ARGS", "1")
    env.setdefault("KIVY_NO_CONSOLELOG", "1")
    env.setdefault("KIVY_NO_FILELOG", "1")
    env.setdefault("SDL_AUDIODRIVER", "dummy")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise CliError(f"{module} failed (exit {done.returncode}): {tail}")
    summary: dict[str, object] = json.loads(lines[-1])
    return summary


def run_screenshots(args: argparse.Namespace) -> int:
    tour = _run("screens.tour", str(args.out))
    paths = tour["paths"]
    assert isinstance(paths, dict)
    shots = sum(len(p) for p in paths.values())
    gallery = None if args.no_gallery else _run("screens.gallery", str(args.gallery), "--shots")
    if args.json:
        print_json({"tour": tour, "gallery": gallery})
    else:
        print(f"{len(paths)} citizen paths, {shots} pictures: {tour['document']}")
    if gallery is None:
        return ExitCode.OK
    problems = gallery["problems"]
    assert isinstance(problems, dict)
    if not args.json:
        print(f"{gallery['renders']} screens drawn into {args.gallery}")
    for key, found in problems.items():
        for problem in found:
            print(f"  {key}: {problem}", file=sys.stderr)
    return ExitCode.FAILED if problems else ExitCode.OK
