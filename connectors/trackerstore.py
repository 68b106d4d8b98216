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

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.events import SessionStarted
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

    def _event_query(self, session: Any, sender_id: str,
                     fetch_events_from_all_sessions: bool) -> Any:
        """Rasa's query for a conversation's stored events (``retrieve`` reads ``.data``,
        ``save`` counts them), in two plain steps: the latest session start, then the
        ``data`` column of the events from it on, in order."""
        events = self.SQLEvent
        query = session.query(events.data).filter(events.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            start = (session.query(sa.func.max(events.timestamp))
                     .filter(events.sender_id == sender_id,
                             events.type_name == SessionStarted.type_name).scalar())
            if start is not None:
                query = query.filter(events.timestamp >= start)
        return query.order_by(events.id)
