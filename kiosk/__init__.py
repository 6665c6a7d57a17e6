"""hall-kiosk core: domain rules, hall store, services, configuration and the CLI.

The packages ``hardware``, ``screens`` and ``sync`` depend on this one, never the reverse.
"""

__version__ = "0.1.0"
