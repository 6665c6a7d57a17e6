"""One CLI convention (issue 18): every subcommand and option has help, every command that
reports takes the one shared ``--json`` flag and prints one JSON document, and every status a
command returns is a name of the exit-code table (``kiosk.errors.ExitCode``), which
docs/troubleshooting.md documents row for row."""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app.cli.common import JSON_HELP
from kiosk.app.cli.main import build_parser, main
from kiosk.errors import ExitCode
from tests.cli_env import runner, use_store

ROOT = Path(__file__).resolve().parents[2]

# Commands that print no report, each with the reason (docs/troubleshooting.md says the same).
WITHOUT_JSON = {
    "run": "long-running: a role's screen",
    "central serve": "long-running: the central store",
    "queue-page serve": "long-running: the queue page",
    "card simulate": "long-running: the reader simulator",
    "printer simulate": "long-running: the printer simulator",
    "card control": "always answers in JSON (the simulator's state)",
    "printer control": "always answers in JSON (the simulator's state)",
    "print ticket": "its output is a file or the printer",
    "say": "its output is a sound",
    "staff pin-hash": "its output is one value to paste into the hall file",
}


def _leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser, str | None]]:
    """(command path, its parser, its help line) of every runnable subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                inner = list(_leaves(sub, (*path, name)))
                yield from inner or [(" ".join((*path, name)), sub, helps.get(name))]
            return


LEAVES = {name: (sub, help_line) for name, sub, help_line in _leaves(build_parser())}


def test_the_walk_finds_every_command_group() -> None:
    tops = {name.split()[0] for name in LEAVES}
    assert {"hours", "ticket", "db", "central", "report", "demo", "run", "staff"} <= tops
    assert len(LEAVES) >= 50
    assert set(WITHOUT_JSON) <= set(LEAVES)


@pytest.mark.parametrize("command", sorted(LEAVES))
def test_every_command_and_option_has_help(command: str) -> None:
    parser, help_line = LEAVES[command]
    assert help_line, f"`kiosk {command}` has no help line"
    missing = [
        action.option_strings[0] if action.option_strings else action.dest
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._HelpAction)
    ]
    assert not missing, f"`kiosk {command}`: options without help: {missing}"


@pytest.mark.parametrize("command", sorted(LEAVES))
def test_every_reporting_command_takes_the_shared_json_flag(command: str) -> None:
    parser, _ = LEAVES[command]
    flags = [a for a in parser._actions if "--json" in a.option_strings]
    if command in WITHOUT_JSON:
        assert not flags, f"`kiosk {command}` is listed as printing no report"
        return
    assert len(flags) == 1, f"`kiosk {command}` reports but takes no --json"
    assert flags[0].help == JSON_HELP  # declared by add_json_flag, not by hand


def _handlers() -> dict[str, object]:
    handlers = {}
    for command, (parser, _) in LEAVES.items():
        handler = parser.get_default("handler")
        assert handler is not None, f"`kiosk {command}` has no handler"
        handlers[f"{handler.__module__}.{handler.__qualname__}"] = handler
    handlers["kiosk.app.cli.main.main"] = main
    return handlers


def _names_an_exit(func: ast.expr) -> bool:
    return getattr(func, "attr", None) == "exit" or getattr(func, "id", None) == "SystemExit"


def _bare_statuses(function: object) -> list[str]:
    """``return 1`` / ``sys.exit(2)`` / ``SystemExit(0)`` in a handler's source (nested
    functions included): every status must be an ``ExitCode`` name."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    found = []
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if isinstance(node, ast.Return) and node.value is not None:
            values = [node.value]
            if isinstance(node.value, ast.IfExp):
                values = [node.value.body, node.value.orelse]
        elif isinstance(node, ast.Call) and _names_an_exit(node.func):
            values = list(node.args[:1])
        for value in values:
            if isinstance(value, ast.Constant) and type(value.value) is int:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_handlers_return_names_of_the_exit_code_table() -> None:
    handlers = _handlers()
    assert len(handlers) >= 40
    bare = {name: found for name, h in handlers.items() if (found := _bare_statuses(h))}
    assert not bare


def test_the_bare_status_check_sees_a_bare_number() -> None:
    def handler(args: object) -> int:
        if args:
            return 2
        return ExitCode.OK

    (found,) = _bare_statuses(handler)
    assert found.endswith(": return 2")


def test_the_documented_table_is_the_exit_code_table() -> None:
    text = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    section = text.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \| ", section, re.M)
    assert [(int(code), name) for code, name in rows] == [(c.value, c.name) for c in ExitCode]


# -- real commands against a temporary store ------------------------------------------------


@pytest.fixture
def kiosk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    use_store(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'hall.db'}")
    return runner(capsys)


REPORTS = [
    ("halls", "--json"),
    ("hours", "--hall", "xixia", "--date", "2026-11-24", "--json"),
    ("db", "upgrade", "--json"),
    ("db", "check", "--json"),
    ("ticket", "take", "--service", "social-insurance", "--now", "2026-11-19T09:12", "--json"),
    ("services", "--json"),
    ("queue", "--now", "2026-11-19T09:13", "--json"),
    ("windows", "--json"),
    ("clock", "status", "--json"),
    ("staff", "list", "--json"),
    ("report", "--date", "2026-11-19", "--json"),
    ("report", "--date", "2026-11-19", "--format", "json"),
]


def test_reporting_commands_print_one_json_document(kiosk) -> None:
    for argv in REPORTS:
        status, out, err = kiosk(*argv)
        assert status in set(ExitCode), (argv, status, err)
        assert status == ExitCode.OK, (argv, err)
        json.loads(out)  # one document, nothing else on stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("demo", "--json"), "--json needs --headless"),
        (("demo", "--plans", "--json", "--headless"), "--json does not go with --plans"),
        (("report", "--date", "2026-11-19", "--json", "--format", "csv"), "disagree"),
    ],
)
def test_json_where_no_report_comes_is_a_usage_error(kiosk, argv, words) -> None:
    status, out, err = kiosk(*argv)
    assert status == ExitCode.USAGE
    assert out == "" and words in err and err.count("\n") == 1
