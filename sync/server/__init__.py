"""The reference central booking store (FastAPI + SQLAlchemy), a service of its own.

``create_app(settings)`` builds the application; ``kiosk central serve`` runs it under uvicorn.
"""

from __future__ import annotations

from sync.server.app import create_app
from sync.server.settings import ServerSettings, load_server_settings

__all__ = ["ServerSettings", "create_app", "load_server_settings"]
