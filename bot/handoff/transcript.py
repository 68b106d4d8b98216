"""One transcript per conversation: Rasa's tracker events merged by time with the handoff's own
turns (paused user messages, worker replies, handoff notices) and its milestones.

Rasa's SQL tracker store keeps one row per event in table ``events`` (``sender_id``,
``type_name``, ``timestamp`` as Unix seconds, ``data`` as the event's JSON). It is read here with
plain SQLAlchemy Core; nothing imports Rasa. A missing or unreadable tracker store gives the
handoff's turns alone (with a warning line), never an error page.

A transcript is what youth workers read (console page, text and PDF export), so the phone
numbers and e-mail addresses the young person typed are masked here, in one place, when the
turns are built (:func:`bot.privacy.mask_text`); bot and worker turns are shown as sent. The
stored text is unchanged: a young person's own data export reads the stores, not this.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine
from bot.handoff.models import Handoff, HandoffMessage
from bot.accounts.models import Worker
from bot.directory.models import Service
from bot.masking import mask_text
from bot.settings import get_settings

logger = logging.getLogger(__name__)

_META = MetaData()
EVENTS = Table("events", _META, Column("id", Integer, primary_key=True),
               Column("sender_id", String(255)), Column("type_name", String(255)),
               Column("timestamp", Float), Column("data", Text))
MAX_EVENTS = 5000


@dataclass(frozen=True)
class Turn:
    """One line of a transcript. ``role``: user, bot, worker or system."""

    at: datetime
    role: str
    text: str
    source: str  # "tracker" or "handoff"
    author: str = ""  # the worker's display name for worker turns
    crisis: bool = False
    message_id: Optional[int] = None


@dataclass
class Summary:
    """What the young person told the bot, from the tracker's slots."""

    needs: List[str] = field(default_factory=list)
    place: str = ""
    age_band: str = ""
    services: List[str] = field(default_factory=list)


@dataclass
class Transcript:
    """Turns in time order, the summary, and a warning when the tracker could not be read."""

    turns: List[Turn]
    summary: Summary
    warning: str = ""


def tracker_url(tracker_db: str) -> str:
    """``settings.tracker_db`` (a SQLite file, as endpoints.yml uses it) or a URL → a URL."""
    return tracker_db if "://" in tracker_db else f"sqlite:///{tracker_db}"


def age_band(age: Any) -> str:
    """A coarse band, never the exact age: under 16, 16-17, 18-21, 22-25, over 25."""
    try:
        value = float(age)
    except (TypeError, ValueError):
        return "not given" if age in (None, "", "skipped") else ""
    for limit, band in ((16, "under 16"), (18, "16-17"), (22, "18-21"), (26, "22-25")):
        if value < limit:
            return band
    return "over 25"


def _as_utc(ts: Optional[datetime]) -> datetime:
    if ts is None:
        return datetime.now(timezone.utc)
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def read_tracker(url: str, sender_id: str) -> Tuple[List[Turn], Dict[str, Any], str]:
    """User and bot turns and the last value of each slot from Rasa's tracker store."""
    turns: List[Turn] = []
    slots: Dict[str, Any] = {}
    if url.startswith("sqlite:///"):
        from pathlib import Path

        if not Path(url[len("sqlite:///"):]).exists():
            return turns, slots, "The bot's conversation store was not found: bot turns missing."
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
                                .where(EVENTS.c.sender_id == sender_id,
                                       EVENTS.c.type_name.in_(("user", "bot", "slot")))
                                .order_by(EVENTS.c.timestamp.desc(), EVENTS.c.id.desc())
                                .limit(MAX_EVENTS)).all()
        rows.reverse()  # the newest MAX_EVENTS, oldest first: a long conversation keeps its
        #                 latest turns (the crisis that opened a handoff), not its first ones
    except SQLAlchemyError as exc:
        logger.warning("tracker store unreadable: %s", type(exc).__name__)
        return turns, slots, "The bot's conversation store could not be read: bot turns missing."
    finally:
        engine.dispose()
    for kind, ts, raw in rows:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            continue
        at = datetime.fromtimestamp(float(ts or 0), timezone.utc)
        if kind == "slot":
            slots[str(data.get("name"))] = data.get("value")
            continue
        text = data.get("text") or ""
        if kind == "bot":
            buttons = (data.get("data") or {}).get("buttons") or []
            if buttons:
                text += "\n" + " ".join(f"[{b.get('title')}]" for b in buttons if b)
        if text.strip():
            turns.append(Turn(at, kind, text, "tracker"))
    note = (f"Only the latest {MAX_EVENTS} events of this long conversation are shown."
            if len(rows) >= MAX_EVENTS else "")
    return turns, slots, note


def _summary(sessions: sessionmaker, slots: Dict[str, Any], needs_hint: str) -> Summary:
    needs = slots.get("needs") or [n for n in needs_hint.split(",") if n]
    if isinstance(needs, str):
        needs = [needs]
    ids = [str(i) for i in (slots.get("result_ids") or [])][:20]
    names: List[str] = []
    if ids:
        with sessions() as s:
            found = dict(s.execute(select(Service.id, Service.name)
                                   .where(Service.id.in_(ids))).all())
        names = [found[i] for i in ids if i in found]
    place = slots.get("location")
    return Summary([str(n) for n in needs], str(place) if place and place != "skipped" else "",
                   age_band(slots.get("age")) if "age" in slots else "", names)


def transcript(sessions: sessionmaker, tracker_db_url: str, sender_id: str,
               org_id: Optional[int] = None, region: Optional[str] = None,
               masked: bool = True) -> Transcript:
    """The whole conversation of ``sender_id``; with ``org_id`` only that organisation's
    handoff turns are included (another organisation's worker notes never leak).

    The young person's turns (and the place in the summary) have phone numbers and e-mail
    addresses masked for ``region`` (default: the deployment's country code); ``masked=False``
    only for the young person's own copy of what they wrote."""
    turns, slots, warning = read_tracker(tracker_url(tracker_db_url), sender_id)
    with sessions() as s:
        q = select(Handoff).where(Handoff.sender_id == sender_id)
        if org_id is not None:
            q = q.where(Handoff.org_id == org_id)
        handoffs = list(s.execute(q.order_by(Handoff.id)).scalars())
        ids = [h.id for h in handoffs]
        names = dict(s.execute(select(Worker.id, Worker.display_name)).all())
        mq = select(HandoffMessage).where(HandoffMessage.sender_id == sender_id)
        msgs = [m for m in s.execute(mq.order_by(HandoffMessage.id)).scalars()
                if m.handoff_id in ids or (m.handoff_id is None and org_id is None)]
    for m in msgs:
        turns.append(Turn(_as_utc(m.created_at), m.role, m.text, "handoff",
                          names.get(m.worker_id, "") if m.worker_id else "", m.crisis, m.id))
    for h in handoffs:
        kind = "urgent handoff" if h.urgent else "handoff"
        turns.append(Turn(_as_utc(h.created_at), "system", f"{kind} requested ({h.reason})",
                          "handoff"))
        if h.claimed_at:
            turns.append(Turn(_as_utc(h.claimed_at), "system",
                              f"taken by {names.get(h.worker_id, 'a worker')}", "handoff"))
        if h.closed_at:
            what = "handed back to the bot" if h.status == "handed_back" else \
                f"resolved ({h.outcome})"
            turns.append(Turn(_as_utc(h.closed_at), "system",
                              f"{what} by {names.get(h.closed_by, 'a worker')}", "handoff"))
    order = {"system": 0, "user": 1, "bot": 2, "worker": 2}
    turns.sort(key=lambda t: (t.at, order.get(t.role, 3)))
    needs_hint = handoffs[-1].needs if handoffs else ""
    summary = _summary(sessions, slots, needs_hint)
    if masked:
        if region is None:
            region = get_settings().country_code
        turns = [replace(t, text=mask_text(t.text, region)) if t.role == "user" else t
                 for t in turns]
        summary.place = mask_text(summary.place, region)
    return Transcript(turns, summary, warning)


def as_text(tr: Transcript, title: str) -> str:
    """A plain-text transcript for case records."""
    lines = [title, "=" * len(title), ""]
    sm = tr.summary
    lines += [f"Needs: {', '.join(sm.needs) or '-'}", f"Place: {sm.place or '-'}",
              f"Age band: {sm.age_band or '-'}",
              f"Services offered: {'; '.join(sm.services) or '-'}", ""]
    if tr.warning:
        lines += [f"Note: {tr.warning}", ""]
    for t in tr.turns:
        who = {"user": "Young person", "bot": "Bot", "system": "--"}.get(
            t.role, f"Worker ({t.author})" if t.author else "Worker")
        flag = " [CRISIS]" if t.crisis else ""
        lines.append(f"[{t.at:%Y-%m-%d %H:%M:%S} UTC] {who}{flag}: {t.text}")
    return "\n".join(lines) + "\n"
