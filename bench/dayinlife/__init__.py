"""A busy county hall's day in separate processes, compressed into minutes (``bench/day.py``).

``world``: the hall, the compressed clock and the citizens; ``stores``: the hall store, the
central store and its server; ``roles``: the processes (kiosks, windows, display, sync,
printers, the network); ``check``: the end-of-day reconciliation and the numbers; ``run``: the
day itself.
"""
