"""Safeguarding alerts: a flag for a human that a message signalled risk.

One function raises an alert on every path that answers a crisis (the bot's crisis action, a
crisis while a youth worker has the conversation, a crisis whose turn failed), so no path gives
helplines without a flag. Never raises: safety text comes first.
"""
from __future__ import annotations

import logging
from typing import Iterable

from sqlalchemy.orm import sessionmaker

from bot.safeguarding.models import SafeguardingAlert

logger = logging.getLogger(__name__)


def raise_alert(sessions: sessionmaker, sender_key: str, categories: Iterable[str],
                urgency: str = "urgent") -> bool:
    """Record a safeguarding flag (``urgency`` "urgent" or "concern"; ``categories`` are kinds
    of risk); False, logged, if it could not be stored (the person still gets support)."""
    cats = ",".join(dict.fromkeys(c for c in categories if c))[:255] or "unspecified"
    try:
        with sessions() as s, s.begin():
            s.add(SafeguardingAlert(sender_key=sender_key[:128], urgency=urgency,
                                    categories=cats))
    except Exception:  # noqa: BLE001 - the database must never hold back crisis support
        logger.exception("could not store safeguarding alert")
        return False
    logger.warning("%s safeguarding alert raised (categories=%s)", urgency, cats)
    return True
