"""What both stores' Alembic ``env.py`` do (the hall store's and the central one's in
``sync.server``): run the migrations on the connection their ``upgrade`` opened and locked.

Neither store has an alembic.ini; ``kiosk.store.db.upgrade`` and ``sync.server.db.upgrade`` pass
an open connection in ``config.attributes["connection"]``, inside the transaction that holds
the store's migration lock, so two processes starting at once never migrate twice.
"""

from __future__ import annotations

from sqlalchemy import MetaData


def run_migrations(metadata: MetaData, entry: str, version_table: str = "alembic_version") -> None:
    """Run the pending migrations of ``metadata``'s store; ``entry`` names the function (and
    command) that must be used instead when Alembic is run another way."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(f"run migrations through {entry}")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        version_table=version_table,
    )
    with context.begin_transaction():
        context.run_migrations()
