"""Alembic environment: runs migrations against the URL given in the Alembic config."""
from __future__ import annotations

from alembic import context

from bot.db import make_engine
import bot.accounts.models  # noqa: F401 - registers the accounts tables on Base
import bot.channels.models  # noqa: F401 - registers the channels tables on Base
import bot.directory.models  # noqa: F401 - registers the directory tables on Base
import bot.feedback.models  # noqa: F401 - registers the feedback tables on Base
import bot.handoff.models  # noqa: F401 - registers the handoff tables on Base
import bot.measurement.models  # noqa: F401 - registers the measurement tables on Base
import bot.pathway.models  # noqa: F401 - registers the pathway tables on Base
import bot.safeguarding.models  # noqa: F401 - registers the safeguarding tables on Base
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
