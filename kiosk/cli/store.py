"""Opening the hall store the device settings name, for every subcommand that needs it.

One place, so every command opens (and migrates) the store the same way and a store that cannot
be reached is the same one-line failure (exit 1) whichever command met it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kiosk.cli.common import CommandFailed

if TYPE_CHECKING:
    from kiosk.domain.hall import HallProfile
    from kiosk.settings import DeviceSettings
    from kiosk.store.hallstore import HallStore


def open_hall_store(
    settings: DeviceSettings, hall: HallProfile, terminal: str | None = None
) -> HallStore:
    """The hall store at the settings' database URL; ``terminal`` defaults to the settings'."""
    from kiosk.config import load_calendar
    from kiosk.store.db import StoreError
    from kiosk.store.hallstore import HallStore

    try:
        return HallStore.open(
            settings.database_url,
            hall,
            load_calendar(),
            settings.id_hash_key,
            terminal=settings.terminal if terminal is None else terminal,
        )
    except StoreError as error:
        raise CommandFailed(str(error)) from None


def store_for(args: argparse.Namespace) -> HallStore:
    """The store of the hall ``--hall`` names, else the hall of the device settings."""
    from kiosk.config import load_hall
    from kiosk.settings import load_settings

    settings = load_settings()
    return open_hall_store(settings, load_hall(settings.require_hall(args.hall)))
