"""Published HSDS ids back to stored ids: the inverse of :func:`bot.directory.export.hsds_id`."""
from __future__ import annotations

import logging
import threading
import time
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory.export import UUID_PATTERN, hsds_id, is_uuid

logger = logging.getLogger(__name__)


class IdResolver:
    """Maps published ids back to stored ids (the inverse of :func:`hsds_id`).

    A UUID-shaped stored id is published unchanged, so a direct lookup finds it. The uuid5 of
    the other ids cannot be computed in SQL, so for each table a reverse map of its non-UUID
    ids is built on demand, kept for ``ttl`` seconds and rebuilt on a miss at most every
    ``min_refresh`` seconds (a run of requests for unknown ids cannot force constant rebuilds).
    """

    def __init__(self, ttl: float = 300.0, min_refresh: float = 5.0) -> None:
        self.ttl, self.min_refresh = ttl, min_refresh
        self._maps: Dict[str, tuple] = {}  # table name -> (built_at, {published: stored})
        self._lock = threading.Lock()

    def _reverse_map(self, session: Session, model, force: bool) -> Dict[str, str]:
        key = model.__tablename__
        now = time.monotonic()
        with self._lock:
            built_at, mapping = self._maps.get(key, (None, None))
            fresh = built_at is not None and now - built_at < (self.min_refresh if force
                                                               else self.ttl)
            if mapping is not None and fresh:
                return mapping
        ids = session.execute(select(model.id).where(~model.id.regexp_match(UUID_PATTERN)))
        mapping = {hsds_id(raw): raw for (raw,) in ids if not is_uuid(raw)}
        with self._lock:
            self._maps[key] = (now, mapping)
        logger.debug("id map for %s rebuilt: %d non-UUID ids", key, len(mapping))
        return mapping

    def stored_id(self, session: Session, model, public_id: str) -> Optional[str]:
        """The stored id behind ``public_id`` in ``model``'s table, or None if there is none."""
        if not public_id or len(public_id) > 64:
            return None
        if is_uuid(public_id) and session.get(model, public_id) is not None:
            return public_id
        if not is_uuid(public_id):
            return None  # every published id is a UUID
        for force in (False, True):
            raw = self._reverse_map(session, model, force).get(public_id)
            if raw is not None and session.get(model, raw) is not None:
                return raw
        return None

    def filter_ids(self, session: Session, model, public_id: str) -> List[str]:
        """Stored ids to filter a foreign key by (empty: matches nothing)."""
        raw = self.stored_id(session, model, public_id)
        return [raw] if raw is not None else []
