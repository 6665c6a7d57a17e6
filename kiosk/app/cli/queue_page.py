"""``kiosk queue-page serve``: the phone page behind the QR code on each ticket."""

from __future__ import annotations

import argparse
import signal

from kiosk.app.cli.common import parse_minute
from kiosk.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    page = subparsers.add_parser("queue-page", help="the page a ticket's QR code opens")
    actions = page.add_subparsers(dest="queue_page_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="serve it on the hall's network")
    serve.add_argument("--hall", help="hall id (default: 'hall' of the device settings)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on")
    serve.add_argument("--port", type=int, default=8090, help="port (default 8090)")
    serve.add_argument("--at", type=parse_minute, help="run the hall clock from YYYY-MM-DDTHH:MM")
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk.app.cli.store import store_for
    from kiosk.clock import running_clock
    from screens.queue_page import create_queue_page

    store = store_for(args)
    try:
        app = create_queue_page(store, running_clock(store.hall.timezone, args.at))
        # as ``kiosk central serve``: a SIGTERM (the demo's stop, systemd's) ends it with 0
        signal.signal(signal.SIGTERM, lambda *_: None)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        store.close()
    return ExitCode.OK
