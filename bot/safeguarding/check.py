"""The concern tier's safety check: "Are you safe right now?", the answer, and its state.

The question is asked by the dialogue (``actions/safety.py``) or, while a youth worker has the
conversation, by the channel glue (``connectors/common.py``). Whichever asks records it on the
contact (``channel_contact.safety_check_at`` and the kinds), so the answer reaches the check in
every state: a handoff, under-13 mode, an opted-out SMS number, a pending "delete my data".
The check lapses after ``CHECK_MINUTES``.

Answers: "yes", "i'm safe", "ok for now" are safe; "no", "not safe", "not really", and also
"idk" and "not sure" (erring on the side of safety) are not; anything else is no answer, and
the message is handled as usual.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence, Tuple

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from bot.channels.contacts import contact_row
from bot.channels.models import ChannelContact
from bot.safeguarding.normalise import normalise

CHECK_MINUTES = 30
SAFE, UNSAFE = "safe", "unsafe"
_UNSAFE = re.compile(
    r"^(?:no+|nope|nah+|na|n|not really|not rly|no im not|no i'?m not|im not|i'?m not|not safe|"
    r"not safe right now|no not safe|i'?m not safe|im not safe|no i'?m not safe|i don'?t think so|"
    r"i dont think so|don'?t think so|dont think so|not sure|unsure|i'?m not sure|im not sure|"
    r"i don'?t know|i dont know|dont know|i dunno|dunno|kind of|kinda|sort of|maybe|maybe not|"
    r"help|help me|please help|sos|no help|not at all|definitely not|no way|scared|i'?m scared|"
    r"im scared|no i'?m scared|not really no|no\W+not really|not right now)\W*$")
_SAFE = re.compile(
    r"^(?:y|ya|yah|yh|yeah+|yea|yep|yup|yes+|yes please|ok|okay|k|fine|all good|im fine|i'?m fine|"
    r"im ok|i'?m ok|im okay|i'?m okay|im good|i'?m good|im alright|i'?m alright|im safe|i'?m safe|"
    r"safe|safe now|safe for now|for now|yes for now|yeah for now|yes im safe|yes i'?m safe|"
    r"yeah im safe|yeah i'?m safe|yes i am|yeah i am|i am|i am safe|i think so|think so|"
    r"yes i think so|yeah i think so|mostly|yes,? thanks|yeah thanks|yes thank you|"
    r"yes i'?m ok|yes im ok|yeah im ok|yeah i'?m ok|i'?m safe right now|im safe right now|"
    r"yes,? safe|yes safe)\W*$")


def answer(text: str) -> Optional[str]:
    """``SAFE``, ``UNSAFE``, or None when ``text`` is not an answer to "are you safe?"."""
    t = normalise(text or "")[0]
    t = re.sub(r"[^\w' ]+", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    if not t or len(t) > 60:
        return None
    if _UNSAFE.match(t):
        return UNSAFE
    if _SAFE.match(t):
        return SAFE
    return None


@dataclass(frozen=True)
class Pending:
    """A safety check waiting for its answer."""

    asked_at: datetime
    kinds: Tuple[str, ...]


def pending(asked: Optional[datetime], kinds: Optional[str],
            now: Optional[datetime] = None) -> Optional[Pending]:
    """The check recorded on a contact (``safety_check_at``, ``safety_check_kinds``), if it
    has not lapsed."""
    if asked is None:
        return None
    if asked.tzinfo is None:
        asked = asked.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    if now - asked > timedelta(minutes=CHECK_MINUTES):
        return None
    return Pending(asked, tuple(k for k in (kinds or "").split(",") if k))


def ask(sessions: sessionmaker, sender_id: str, channel: str, kinds: Sequence[str]) -> None:
    """Record that the check was asked (creates the contact row if needed)."""
    with sessions() as s, s.begin():
        row = contact_row(s, sender_id, channel)
        row.safety_check_at = datetime.now(timezone.utc)
        row.safety_check_kinds = ",".join(kinds)[:255] or None


def clear(sessions: sessionmaker, sender_id: str) -> None:
    """The check was answered (or overtaken by urgent support)."""
    with sessions() as s, s.begin():
        s.execute(update(ChannelContact).where(ChannelContact.sender_id == sender_id,
                                               ChannelContact.safety_check_at.isnot(None))
                  .values(safety_check_at=None, safety_check_kinds=None))
