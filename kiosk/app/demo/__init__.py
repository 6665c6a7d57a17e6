"""The demo hall on one machine (``kiosk demo``).

It starts the reference central store seeded with real bookings, the reader and printer
simulators, the kiosk, two window consoles, the hall display and a card drawer, each its own
process over one hall store, and stops them all cleanly. ``plan`` decides who is booked when,
``seed`` writes it through the central store's own cases, ``layout`` is the demo directory,
``supervisor`` runs the processes, ``child`` is the wrapper every screen runs in, ``scenario``
is the scripted headless run and ``hall`` puts it together.
"""
