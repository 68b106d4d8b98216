"""Rasa's SQL tracker store for the embedded default (SQLite), made cheaper per turn.

Rasa 3.6's SQL store, on a SQLite file, costs about a fifth of the Rasa server's time per turn
(docs/benchmarks.md, "Issue 20"): SQLAlchemy 1.4 opens a new connection for every transaction,
each commit syncs a rollback journal to disk, reading a conversation joins a derived table and
loads whole ORM rows, and each stored event's class is found by walking every ``Event``
subclass. :class:`SQLTrackerStore` keeps Rasa's tables, rows and semantics (Rasa's own store
reads what it writes, event for event: tests/connectors/test_trackerstore.py) and changes how:

* the app database's engine (:func:`bot.db.make_engine`): pooled connections, write-ahead
  logging, ``synchronous=NORMAL`` (a commit survives a crash of the process; only a power cut
  can lose the last few);
* the events of the latest session read as the ``data`` column alone, the session start found
  by a scalar subquery, and counted in one statement when saving;
* events rebuilt through a table of event kinds made once.

It is loaded only for SQLite (endpoints.yml; ``navigator serve`` writes it, see
app/endpoints.py): PostgreSQL in production uses Rasa's store as it is.
"""
from __future__ import annotations

import itertools
import json
import logging
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional, Type

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
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
        """Rasa's query for a conversation's stored events (``retrieve`` reads ``.data``),
        as the ``data`` column alone, the latest session start found by a scalar subquery
        (Rasa's joins a derived table and loads whole rows)."""
        events = self.SQLEvent
        query = session.query(events.data).filter(events.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            query = query.filter(self._in_latest_session(sender_id))
        return query.order_by(events.id)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events not stored yet: Rasa's, counting the stored ones in one
        statement."""
        events = self.SQLEvent
        stored = session.query(sa.func.count(events.id)).filter(
            events.sender_id == tracker.sender_id,
            self._in_latest_session(tracker.sender_id)).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    def _in_latest_session(self, sender_id: str) -> Any:
        """Events from the sender's latest ``session_started`` on (all, if none)."""
        events = self.SQLEvent
        start = (sa.select(sa.func.max(events.timestamp))
                 .where(events.sender_id == sender_id,
                        events.type_name == SessionStarted.type_name).scalar_subquery())
        return sa.or_(start.is_(None), events.timestamp >= start)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's, with the stored events rebuilt through a table of event kinds made once
        (Rasa's ``Event.resolve_by_type`` walks every subclass of ``Event`` for each event:
        3 ms for 80 events)."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
            stored = [json.loads(row.data) for row in rows]
        if not self.domain or not stored:
            return None
        return DialogueStateTracker.from_events(sender_id, deserialise(stored),
                                                self.domain.slots)


@lru_cache(maxsize=1)
def event_kinds() -> Dict[str, Type[Event]]:
    """Event class by stored name, the first found as ``Event.resolve_by_type`` finds it."""
    kinds: Dict[str, Type[Event]] = {}
    for cls in all_subclasses(Event):
        kinds.setdefault(cls.type_name, cls)
    return kinds


def deserialise(stored: List[Dict[str, Any]]) -> List[Event]:
    """Rasa's ``deserialise_events`` (an unknown kind is left out, with a warning)."""
    kinds, events = event_kinds(), []
    for params in stored:
        cls = kinds.get(params.get("event"))
        event = cls._from_parameters(params) if cls is not None else None
        if event is None:
            logger.warning("a stored event of an unknown kind was left out")
            continue
        events.append(event)
    return events
