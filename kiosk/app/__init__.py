"""The composition root: the one place that wires the hall's parts together.

``kiosk.app.cli`` (the ``kiosk`` command, including ``kiosk run --role ...`` that starts each
role's screen and ``kiosk central serve`` that starts the central store) and ``kiosk.app.demo``
(the demo hall) choose the store, the devices, the screens and the sync client and hand each
part what it needs. Nothing else may import this package, and this package is the only one
that may import every other (``.importlinter`` holds the contracts; ``docs/ARCHITECTURE.md``).
"""
