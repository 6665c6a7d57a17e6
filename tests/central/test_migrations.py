"""The central store's migrations: the schema they build is the models' schema, and a store
made before c0002 keeps its bookings and its staff (as county admins, who could act for every
hall before roles existed)."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from sync.server.db import alembic_config, open_engine, upgrade
from sync.server.models import Base


def _fresh(url: str) -> None:
    engine = create_engine(url)
    cascade = " CASCADE" if engine.dialect.name == "postgresql" else ""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS central_alembic_version"))
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DROP TABLE IF EXISTS {table.name}{cascade}"))
    engine.dispose()


def test_the_migrated_schema_is_the_models(central_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = open_engine(central_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": "central_alembic_version"}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_a_store_from_before_roles_keeps_its_bookings_and_staff(central_url: str) -> None:
    from alembic import command

    _fresh(central_url)
    engine = open_engine(central_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "c0001")
        connection.execute(
            text(
                "INSERT INTO bookings (id, hall_id, service_id, slot_start, slot_end, id_hash, "
                "masked_name, channel, status, version, change_seq, created_at, updated_at, "
                "created_by) VALUES ('abcdefgh', 'xixia', 'tax', '2026-11-28 09:00:00', "
                "'2026-11-28 09:30:00', 'a', '张*', 'phone', 'booked', 1, 1, "
                "'2026-11-23 09:00:00', '2026-11-23 09:00:00', 'desk')"
            )
        )
        connection.execute(
            text("INSERT INTO staff VALUES ('desk', 'scrypt$x', '2026-11-23 09:00:00', :yes)"),
            {"yes": True},
        )
    upgrade(engine)
    schema = inspect(engine)
    assert schema.get_pk_constraint("bookings")["constrained_columns"] == ["hall_id", "id"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT role FROM staff")).scalar_one() == "county_admin"
        assert connection.execute(text("SELECT hall_id, id FROM bookings")).one() == (
            "xixia",
            "abcdefgh",
        )
    # Another hall may now use the same booking id.
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO bookings SELECT id, 'pinggu-district', service_id, slot_start, "
                "slot_end, id_hash, masked_name, masked_phone, channel, status, version, "
                "change_seq, created_at, updated_at, created_by, checked_in_at, cancelled_by, "
                'cancel_reason, reject_reason, reject_message, notice, "conflict" FROM bookings'
            )
        )
    engine.dispose()
