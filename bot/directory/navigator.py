"""The navigator's use cases, as the chat actions (and later the API) call them.

One :class:`Navigator` per process, built lazily from settings; every method opens its own
short transaction, so the action server stays stateless.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Dict, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.db import session_factory
from bot.directory import lookup as lookup_mod, search as search_mod
from bot.directory.places import Place, PlaceResolver, coordinates_place
from bot.safeguarding import alerts, replies
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)


@dataclass
class Navigator:
    """Directory search, place resolution and safeguarding flags over one database."""

    settings: Settings
    sessions: sessionmaker

    def resolve_place(self, text: str, whole_message: bool) -> Optional[Place]:
        """Resolve a reply to "where are you?" (``whole_message``) or a place inside a message."""
        with self.sessions() as s:
            lookup, names = lookup_mod.directory_lookup(s)
            resolver = PlaceResolver(self.settings.country_code, lookup, names)
            return resolver.resolve(text) if whole_message else resolver.find_in_text(text)

    @staticmethod
    def place_from_coordinates(lat: object, lon: object) -> Optional[Place]:
        """Channel-provided coordinates (e.g. a shared location), validated."""
        return coordinates_place(lat, lon)

    def search(self, needs: Sequence[str], latitude: Optional[float], longitude: Optional[float],
               age: Optional[int], offset: int = 0, limit: Optional[int] = None,
               open_now: bool = False, now: Optional[datetime] = None, text: str = "",
               place: Optional[str] = None, parent: bool = False) -> search_mod.SearchPage:
        """Search the directory for ``needs`` near a point, for a user of ``age``, ranked by
        the person's own words ``text`` too (``place``: the place they named)."""
        q = search_mod.SearchQuery(needs=list(needs), latitude=latitude, longitude=longitude,
                                   age=age, open_now=open_now,
                                   radius_km=self.settings.search_radius_km,
                                   limit=limit or self.settings.results_per_page, offset=offset,
                                   text=text, place=place, parent=parent)
        with self.sessions() as s:
            return search_mod.search(s, q, now=now, tz=self.settings.timezone)

    def service(self, service_id: str, latitude: Optional[float] = None,
                longitude: Optional[float] = None) -> Optional[search_mod.ServiceResult]:
        """One service in full."""
        with self.sessions() as s:
            return search_mod.get_service(s, service_id, latitude, longitude,
                                          tz=self.settings.timezone)

    def service_names(self, service_ids: Sequence[str]) -> Dict[str, str]:
        """The names of these services (an unknown id is left out), without loading them."""
        from bot.directory.models import Service

        with self.sessions() as s:
            return dict(s.execute(select(Service.id, Service.name)
                                  .where(Service.id.in_(list(service_ids)))).all())

    def raise_alert(self, sender_key: str, categories: Tuple[str, ...],
                    urgency: str = "urgent") -> None:
        """Record a safeguarding flag for a human (``urgency`` "urgent" or "concern"; the
        categories are kinds of risk). Never raises: safety text comes first."""
        alerts.raise_alert(self.sessions, sender_key, categories, urgency)

    # -- the same use cases for async callers (rasa_sdk actions run on one event loop: a
    # blocking query there stalls every other conversation on that action server) ----------
    async def aresolve_place(self, text: str, whole_message: bool) -> Optional[Place]:
        """:meth:`resolve_place` in a worker thread."""
        return await asyncio.to_thread(self.resolve_place, text, whole_message)

    async def asearch(self, *args, **kwargs) -> search_mod.SearchPage:
        """:meth:`search` in a worker thread."""
        return await asyncio.to_thread(self.search, *args, **kwargs)

    async def aservice(self, *args, **kwargs) -> Optional[search_mod.ServiceResult]:
        """:meth:`service` in a worker thread."""
        return await asyncio.to_thread(self.service, *args, **kwargs)

    async def araise_alert(self, sender_key: str, categories: Tuple[str, ...],
                           urgency: str = "urgent") -> None:
        """:meth:`raise_alert` in a worker thread."""
        await asyncio.to_thread(self.raise_alert, sender_key, categories, urgency)

    def crisis_reply(self, kinds: Sequence[str], age: Optional[int] = None) -> list:
        """Urgent crisis support for the deployment's region (messages to send in order)."""
        return replies.urgent_reply(self.settings.region, kinds, age)

    def concern_reply(self, kinds: Sequence[str], age: Optional[int] = None) -> str:
        """The concern tier's safety check for the deployment's region."""
        return replies.concern_reply(self.settings.region, kinds, age)


@lru_cache(maxsize=1)
def get_navigator() -> Navigator:
    """The process-wide navigator (created on first use, not at import)."""
    settings = get_settings()
    return Navigator(settings, session_factory(settings.database_url))
