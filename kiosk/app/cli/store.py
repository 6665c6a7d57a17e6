"""Opening the hall store the device settings name, for every subcommand that needs it.

One place, so every command opens (and migrates) the store the same way; a store that cannot
be used raises its typed fault (``kiosk.store.errors``), which ``kiosk.app.cli.main`` prints as one
line and exits with the fault's own status, whichever command met it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.domain.hall import HallProfile
    from kiosk.settings import DeviceSettings
    from kiosk.store.hallstore import HallStore


def open_hall_store(
    settings: DeviceSettings, hall: HallProfile, terminal: str | None = None
) -> HallStore:
    """The hall store at the settings' database URL; ``terminal`` defaults to the settings'."""
    from kiosk.config import load_calendar
    from kiosk.store.hallstore import HallStore

    return HallStore.open(
        settings.database_url,
        hall,
        load_calendar(),
        settings.id_hash_key,
        terminal=settings.terminal if terminal is None else terminal,
    )


def store_for(args: argparse.Namespace) -> HallStore:
    """The store of the hall ``--hall`` names, else the hall of the device settings."""
    from kiosk.config import load_hall
    from kiosk.settings import load_settings

    settings = load_settings()
    return open_hall_store(settings, load_hall(settings.require_hall(args.hall)))
