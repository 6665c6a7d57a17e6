"""The wrapper every screen of the demo runs in: a clean stop on SIGTERM, a snapshot on SIGUSR1.

``python -m kiosk.app.demo.child NAME SNAPSHOT_DIR -- run --role kiosk …`` runs a ``kiosk``
command (``-- drawer …`` the card drawer) unchanged, and adds what the demo's supervisor needs
from outside the app: SIGTERM or SIGINT stops the Kivy app from its own loop, so the role
closes its store and devices and exits 0; SIGUSR1 saves a screenshot of the window and the
app's plain properties (the display's newest number, the console's current ticket) to
``SNAPSHOT_DIR/NAME.png`` and ``NAME.json``, which the headless run checks.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk.errors import ExitCode

_SIMPLE = (str, int, float, bool)


def app_state(app: Any) -> dict[str, Any]:
    """The app's Kivy properties that are plain values (texts, numbers, lists of them)."""
    state: dict[str, Any] = {}
    for name in sorted(app.properties()):
        value = getattr(app, name, None)
        if isinstance(value, _SIMPLE):
            state[name] = value
        elif isinstance(value, list | tuple) and all(
            isinstance(v, _SIMPLE) or (isinstance(v, list | tuple) and all(
                isinstance(w, _SIMPLE) for w in v))
            for v in value
        ):  # fmt: skip
            state[name] = [list(v) if isinstance(v, list | tuple) else v for v in value]
    return state


def _current_screen() -> str | None:
    from kivy.core.window import Window
    from kivy.uix.screenmanager import ScreenManager

    for top in list(Window.children):
        for widget in top.walk():
            if isinstance(widget, ScreenManager):
                return str(widget.current)
    return None


def _running_app() -> Any:
    module = sys.modules.get("kivy.app")
    if module is None:
        return None
    return module.App.get_running_app()


def snapshot(name: str, folder: Path) -> None:
    """Screenshot and state of the running app (on the Kivy thread)."""
    from kivy.core.window import Window

    app = _running_app()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    for old in folder.glob(f"{name}.shot*.png"):
        old.unlink()
    made = Window.screenshot(name=str(folder / f"{name}.shot.png"))
    if made:
        os.replace(made, target)
    document = {
        "name": name,
        "pid": os.getpid(),
        "screenshot": str(target) if made else None,
        "screen": _current_screen(),
        "app": type(app).__name__ if app is not None else None,
        "state": app_state(app) if app is not None else {},
    }
    temporary = folder / f".{name}.json"
    temporary.write_text(json.dumps(document, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(temporary, folder / f"{name}.json")


def install(name: str, folder: Path) -> None:
    def stop(_signum: int, _frame: Any) -> None:
        app = _running_app()
        if app is None:  # still starting: nothing to close yet
            raise SystemExit(ExitCode.OK)
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: app.stop(), 0)

    def shoot(_signum: int, _frame: Any) -> None:
        if _running_app() is None:
            return
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: snapshot(name, folder), 0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGUSR1, shoot)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 4 or args[2] != "--":
        print(
            "usage: python -m kiosk.app.demo.child NAME SNAPSHOT_DIR -- COMMAND…", file=sys.stderr
        )
        return ExitCode.USAGE
    name, folder, command = args[0], Path(args[1]), args[3:]
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    install(name, folder)
    if command[0] == "drawer":
        from screens.card_drawer import main as drawer

        return drawer(command[1:])
    from kiosk.app.cli.main import main as kiosk

    return kiosk(command)


if __name__ == "__main__":
    sys.exit(main())
