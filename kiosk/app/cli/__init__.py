"""The ``kiosk`` command: the composition root that wires adapters to the core."""
