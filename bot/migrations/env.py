"""Alembic environment: runs migrations against the URL given in the Alembic config."""
from __future__ import annotations

from alembic import context

from bot.db import make_engine
from bot import handoff_models  # noqa: F401 - registers the handoff tables on Base
from bot import pathway_models  # noqa: F401 - registers the pathway tables on Base
from bot import review_models  # noqa: F401 - registers ratings, tips and the search log
from bot.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL without a live connection (``alembic upgrade --sql``)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations with a connection (passed in by ``bot.migrate`` or made from the URL)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
