"""Fixtures of the central store tests only: a test client of the app, and one acting as a
Xixia kiosk (the store, its settings and devices come from tests/central_fixtures.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sync.server.app import Central, create_app
from sync.server.settings import ServerSettings
from tests.central_fixtures import Devices


@pytest.fixture
def client(settings: ServerSettings, central: Central) -> Iterator[TestClient]:
    with TestClient(create_app(settings, central)) as test_client:
        yield test_client


@pytest.fixture
def xixia(client: TestClient, devices: Devices) -> TestClient:
    """A client acting as a Xixia kiosk."""
    client.headers["Authorization"] = f"Bearer {devices.token('xixia')}"
    return client
