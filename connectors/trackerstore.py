"""Rasa's SQL tracker store, with the app database's engine settings on SQLite.

Rasa 3.6 creates its tracker store engine with SQLAlchemy 1.4's defaults, which for a SQLite
file are a new connection for every transaction (no pool) and a rollback journal with a full
disk sync at every commit: two commits and a reconnect on every turn, about a fifth of the Rasa
server's time per turn in the embedded default (docs/benchmarks.md, "Issue 20").
:class:`SQLTrackerStore` is Rasa's own store (same tables, same queries, same rows) whose SQLite
engine is the app database's (:func:`bot.db.make_engine`): pooled connections, write-ahead
logging, ``synchronous=NORMAL`` (a commit survives a crash of the process; only a power cut can
lose the last few). Any other dialect (PostgreSQL in production) is left exactly as Rasa makes
it, already pooled.

Load it from endpoints.yml: ``tracker_store: {type: connectors.trackerstore.SQLTrackerStore,
dialect: sqlite, db: PATH}`` (``navigator serve`` writes it; see app/endpoints.py).
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine

logger = logging.getLogger(__name__)


class SQLTrackerStore(RasaSQLTrackerStore):
    """Rasa's SQL tracker store; on a SQLite file, with a pooled WAL engine."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self.engine.dispose()
            self.engine = make_engine(url.render_as_string(hide_password=False))
            self.sessionmaker = sessionmaker(bind=self.engine)
