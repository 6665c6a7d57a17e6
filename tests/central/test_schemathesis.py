"""The API against its own OpenAPI document, by schemathesis: no 5xx from any input, every
status, header, content type and body as documented, with a device token and without one,
from data that fits the schema and from data that does not.

Bounded for CI: ``EXAMPLES`` examples per operation and generation mode with a fixed seed
(``derandomize``), on SQLite and on PostgreSQL (where a NUL character in a name once made a
500). A longer run: ``KIOSK_SCHEMATHESIS_EXAMPLES=200 pytest tests/central/test_schemathesis.py``
(clean at 150 on both backends). The operations are driven one by one from the loaded schema
(schemathesis's own pytest plugin does not run under pytest 9 yet).
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from sync.protocol import BookingCreate, Channel, TicketRatedPayload
from sync.server.app import Central, create_app
from sync.server.bookings import create_booking
from sync.server.follow_ups import record_rating
from tests.central.helpers import rating
from tests.central_fixtures import Devices, person

EXAMPLES = int(os.environ.get("KIOSK_SCHEMATHESIS_EXAMPLES", "10"))
#: A body over its route's limit (gate.BODY_LIMITS) is refused with 413 before it is read: a
#: refusal of invalid data like the others. Data that fits the schema may still be refused by a
#: hall rule (422: an unknown item, a day the hall is closed, a deadline passed) or by the
#: booking's state (409), as documented.
CHECKS: dict[str, Any] = {
    "checks": {
        "negative_data_rejection": {
            "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429]
        },
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 422, 429]
        },
    }
}


def api_schema(central: Central, token: str | None) -> Any:
    """The schema of a new app, with the hall's token as the documented bearer scheme (so
    schemathesis also tries each operation without it) or with no credentials at all."""
    config = dict(CHECKS)
    if token is not None:
        config["auth"] = {"openapi": {"HTTPBearer": {"bearer": token}}}
    return schemathesis.openapi.from_asgi(
        "/api/v1/openapi.json",
        create_app(central.settings, central),
        config=schemathesis.Config.from_dict(config),
    )


def run(schema: Any, booking_id: str, authorised: bool, examples: int = EXAMPLES) -> list[str]:
    """Every operation in both generation modes: once with every parameter generated (a hall
    that is not the token's is refused 403 before anything else), once in the token's hall
    with a booking that exists (so the bodies reach the rules). The operations tried."""
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)
        names = {parameter.name for parameter in operation.path_parameters}
        known = {"hall": "xixia", "booking_id": booking_id}
        fixed = {name: value for name, value in known.items() if name in names}
        for path_parameters in ({}, fixed) if fixed else ({},):
            for mode in schemathesis.GenerationMode:
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )
                _check_all(strategy, authorised, examples)
    return tried


def _check_all(strategy: Any, authorised: bool, examples: int) -> None:
    @given(case=strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate()
        if not authorised and case.path.startswith("/api/v1/halls/"):
            assert response.status_code == 401, response.text
            (challenge,) = response.headers["www-authenticate"]
            assert challenge.startswith("Bearer")

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (GET /health)
        check()


@pytest.fixture
def booking_id(central: Central) -> str:
    request = BookingCreate(
        service="real-estate",
        slot_start=datetime(2026, 11, 28, 9, 0),
        channel=Channel.PHONE,
        name="张小三",
        id_number=person(1),
        phone="13812345678",
    )
    with central.transaction() as session:
        booking, _created = create_booking(session, central.settings, "xixia", request, "t")
        return booking.id


@pytest.fixture
def bad_rating(central: Central) -> None:
    """A 差评 of the token's hall, so the follow-up list and the rating report answer with
    rows that are checked against their schema too."""
    payload = TicketRatedPayload.model_validate(rating())
    hall = central.settings.halls["xixia"]
    with central.transaction() as session:
        assert record_rating(session, hall, payload, datetime(2026, 11, 23, 10, 10))


def test_with_the_halls_token(
    central: Central, devices: Devices, booking_id: str, bad_rating: None
) -> None:
    token = devices.token("xixia", "schemathesis")
    tried = run(api_schema(central, token), booking_id, authorised=True)
    assert "POST /api/v1/halls/{hall}/events" in tried and len(tried) >= 11
    assert "GET /api/v1/halls/{hall}/follow-ups" in tried
    assert "GET /api/v1/halls/{hall}/reports/ratings" in tried


def test_without_a_token(central: Central, booking_id: str) -> None:
    # Every answer is the same 401 before anything is read: a few examples show it.
    run(api_schema(central, None), booking_id, authorised=False, examples=4)
