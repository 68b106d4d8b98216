""""Send me my data": everything held about one pseudonymous sender id, as plain data.

:func:`collect` gathers it from the navigator's database and the Rasa tracker events the caller
passes in (nothing here imports Rasa); :func:`summary` says it in a few plain words (SMS-sized
on SMS); :func:`to_json_bytes` is the file a channel that can send files attaches
(:data:`FILENAME`). The chat trigger ("send me my data", ``/mydata``, ``MYDATA``) is
``connectors/gate.py``.

Held, but deliberately left out of the export (see :data:`COVERAGE`): the sealed address (never
unsealed here: the export says it is stored, locked), youth workers' private notes, tags and
case outcomes and the audit log (workers' own records: the export says they exist and whom to
ask), worker names and e-mail addresses, and pure delivery bookkeeping.
"""
from __future__ import annotations

import json
import logging
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import sessionmaker

from bot.handoff.models import Handoff, HandoffMessage, HandoffNote
from bot.accounts.models import YouthOrganisation
from bot.pathway import pathway
from bot.feedback import reviews
from bot.channels.models import ChannelContact, SmsStatus
from bot.safeguarding.models import SafeguardingAlert
from bot.directory.models import Service
from bot.directory.render import need_phrase
from bot.channels.smstext import segments, septets, to_gsm

logger = logging.getLogger(__name__)

FILENAME = "my-data.json"
MAX_LINES = 2000  # conversation lines (and youth-worker chat messages) in one export
SMS_MAX = 306  # two concatenated GSM-7 segments (2 x 153 septets)
CHAT_MAX = 600
SKIPPED = "skipped"  # the slot value of a skipped question (actions.common.SKIPPED)
SHARED_PLACE = "your location"  # the location label of shared coordinates (bot.directory.places)

# Every table keyed by a sender id (``sender_id``, ``sender_key``, ``open_sender``) and where
# the export covers it, or why it is left out. tests/bot/privacy/test_mydata.py fails on a new one.
COVERAGE: Dict[str, str] = {
    "channel_contact": "contact (the sealed address is described, never unsealed)",
    "handoff": "youth_worker_chats (not the outcome code or which worker: workers' records)",
    "handoff_message": "youth_worker_chats[].messages; turns outside a chat join conversation",
    "safeguarding_alert": "safety_alerts: count and dates",
    "sms_status": "sms_delivery_reports: count (no text or number is stored there)",
    "outbox": "left out: delivery queue for messages already in youth_worker_chats",
    "button_token": "left out: stand-ins for buttons already shown in the conversation",
    "channel_menu": "left out: a copy of the last menu, already in the conversation",
    "pathway_goal": "my_plan.goals",
    "pathway_step": "my_plan.goals[].steps",
    "referral_outcome": "my_plan.referral_outcomes (kept, unlinked, after a delete)",
    "service_rating": "my_ratings.ratings (after a delete only anonymous stars stay)",
    "peer_tip": "my_ratings.tips",
}
# Keyed by a handoff, not a sender: handoff_note and handoff_tag (workers' private notes and
# tags), audit_entry (who did what, no text) - left out as workers' own records; `about` says
# they exist and can be requested from the organisation.

_HINT = {"sms": "text FORGET", "telegram": "send /forget", "whatsapp": "send FORGET"}
_DEFAULT_HINT = "say 'delete my data'"
_ADDRESS = {"sms": "your number", "telegram": "your chat id", "whatsapp": "your WhatsApp number"}
_FROM = {"user": "you", "worker": "youth worker", "bot": "navigator", "system": "navigator"}
_REASON = {"request": "you asked to talk to a person", "crisis": "a safety concern",
           "fallback": "the navigator could not help", "worker": "a youth worker stepped in"}
_STATUS = {"open": "waiting for a youth worker", "active": "with a youth worker",
           "handed_back": "handed back to the navigator", "resolved": "closed"}


def _iso(value: Optional[datetime]) -> Optional[str]:
    """ISO 8601 in UTC (naive database times are UTC)."""
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def _from_ts(ts: Any) -> Optional[str]:
    try:
        return _iso(datetime.fromtimestamp(float(ts), timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def delete_hint(channel: Optional[str]) -> str:
    """How to delete everything on ``channel``: "text FORGET", "send /forget", ..."""
    return _HINT.get(channel or "", _DEFAULT_HINT)


# -- collect ------------------------------------------------------------------------------------
def _line(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A conversation line from a user or bot event, else None."""
    kind = event.get("event")
    if kind not in ("user", "bot"):
        return None
    text = event.get("text")
    text = text.strip() if isinstance(text, str) else ""
    line: Dict[str, Any] = {"at": _from_ts(event.get("timestamp"))}
    if kind == "user":
        if text.startswith("/"):  # a button payload or command, not words they typed
            meta = event.get("metadata")
            shared = isinstance(meta, dict) and isinstance(meta.get("location"), dict)
            text = "(shared your location)" if shared else "(pressed a button)"
        line.update({"from": "you", "text": text})
        return line if text else None
    buttons = [str(b.get("title")) for b in (event.get("data") or {}).get("buttons") or []
               if isinstance(b, dict) and b.get("title")]
    if not text and not buttons:
        return None  # custom data for a channel, nothing a person read
    line.update({"from": "navigator", "text": text})
    if buttons:
        line["buttons"] = buttons
    return line


def _read_events(events: Iterable[Dict[str, Any]]) -> Dict[str, Any]:
    """Latest lines (bounded), their total, the first time and the last value of each slot."""
    lines: Deque[Dict[str, Any]] = deque(maxlen=MAX_LINES)
    slots: Dict[str, Any] = {}
    total, first = 0, None
    for event in events or ():
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
        elif kind in ("restart", "reset_slots", "session_started"):
            slots.clear()  # Rasa forgets slots here; carried-over ones are set again after
        line = _line(event)
        if line is not None:
            total += 1
            first = first or line["at"]
            lines.append(line)
    return {"lines": list(lines), "total": total, "first": first, "slots": slots}


def _remembered(sessions: sessionmaker, slots: Dict[str, Any]) -> Dict[str, Any]:
    """The slots a person would recognise, in their words."""
    out: Dict[str, Any] = {}
    needs = slots.get("needs") or []
    needs = [needs] if isinstance(needs, str) else needs
    if isinstance(needs, list) and needs:
        out["needs"] = [need_phrase(str(n)) for n in needs if n]
    place = slots.get("location")
    if place not in (None, "", SKIPPED):
        out["area"] = "a location you shared" if place == SHARED_PLACE else str(place)
    lat, lon = slots.get("latitude"), slots.get("longitude")
    if lat is not None and lon is not None:
        out["map_point"] = {"latitude": lat, "longitude": lon}
    age = slots.get("age")
    if age not in (None, "", SKIPPED):
        try:
            out["age"] = int(float(age))
        except (TypeError, ValueError):
            out["age"] = str(age)
    ids = [str(i) for i in (slots.get("result_ids") or []) if i][:20]
    if ids:
        with sessions() as s:
            names = dict(s.execute(select(Service.id, Service.name)
                                   .where(Service.id.in_(ids))).all())
        shown = [names[i] for i in ids if i in names]
        if shown:
            out["services_last_shown"] = shown
    return out


def _contact(row: Optional[ChannelContact]) -> Optional[Dict[str, Any]]:
    if row is None:
        return None
    sealed = bool(row.address_sealed)
    return {
        "channel": row.channel,
        "address": f"{_ADDRESS.get(row.channel, 'your address')}, stored locked"
        if sealed else None,
        "first_contact_at": _iso(row.created_at),
        "referral": row.referral,
        "privacy_notice_shown_at": _iso(getattr(row, "notice_at", None)),
        "opted_out_at": _iso(row.opted_out_at),
        "unreachable_at": _iso(row.unreachable_at),
        "unreachable_reason": row.unreachable_reason,
        "said_under_13_at": _iso(getattr(row, "child_at", None)),
        "delete_requested_at": _iso(row.forget_requested_at),
        "updated_at": _iso(row.updated_at),
    }


def _message(m: HandoffMessage) -> Dict[str, Any]:
    line = {"at": _iso(m.created_at), "from": _FROM.get(m.role, "navigator"), "text": m.text}
    if m.crisis:
        line["safety_flag"] = True
    return line


def collect(sessions: sessionmaker, sender_id: str,
            events: Iterable[Dict[str, Any]]) -> Dict[str, Any]:
    """Everything held about ``sender_id``: the app database plus Rasa's ``events`` (dicts as
    stored in the tracker store). JSON-ready; bounded to :data:`MAX_LINES` lines."""
    read = _read_events(events)
    with sessions() as s:
        contact = _contact(s.get(ChannelContact, sender_id))
        handoffs = list(s.execute(select(Handoff).where(Handoff.sender_id == sender_id)
                                  .order_by(Handoff.id)).scalars())
        ids = [h.id for h in handoffs]
        cond = HandoffMessage.sender_id == sender_id
        if ids:
            cond = or_(cond, HandoffMessage.handoff_id.in_(ids))
        msgs = list(s.execute(select(HandoffMessage).where(cond)
                              .order_by(HandoffMessage.id.desc()).limit(MAX_LINES + 1)).scalars())
        msgs_total = s.execute(select(func.count()).select_from(HandoffMessage)
                               .where(cond)).scalar() or 0
        orgs = dict(s.execute(select(YouthOrganisation.id, YouthOrganisation.name)).all())
        notes = s.execute(select(func.count()).select_from(HandoffNote)
                          .where(HandoffNote.handoff_id.in_(ids))).scalar() if ids else 0
        alerts = list(s.execute(select(SafeguardingAlert.created_at)
                                .where(SafeguardingAlert.sender_key == sender_id)
                                .order_by(SafeguardingAlert.created_at)).scalars())
        reports = s.execute(select(func.count()).select_from(SmsStatus)
                            .where(SmsStatus.sender_id == sender_id)).scalar() or 0
    msgs = list(reversed(msgs[:MAX_LINES]))
    in_chat: Dict[int, List[Dict[str, Any]]] = {hid: [] for hid in ids}
    outside: List[Dict[str, Any]] = []
    for m in msgs:
        (in_chat[m.handoff_id] if m.handoff_id in in_chat else outside).append(_message(m))
    chats = [{
        "started_at": _iso(h.created_at),
        "organisation": orgs.get(h.org_id, ""),
        "why": _REASON.get(h.reason, h.reason),
        "urgent": bool(h.urgent),
        "status": _STATUS.get(h.status, h.status),
        "taken_at": _iso(h.claimed_at),
        "closed_at": _iso(h.closed_at),
        "needs": [need_phrase(n) for n in (h.needs or "").split(",") if n],
        "messages": in_chat[h.id],
    } for h in handoffs]
    lines = read["lines"]
    if outside:  # turns the handoff kept outside any chat (e.g. crisis support): in time order
        lines = sorted(lines + outside, key=lambda line: line["at"] or "")[-MAX_LINES:]
    total = read["total"] + len(outside)
    first = min([t for t in (read["first"], outside[0]["at"] if outside else None) if t],
                default=None)
    org_names = sorted({c["organisation"] for c in chats if c["organisation"]})
    data = {
        "generated_at": _iso(datetime.now(timezone.utc)),
        "reference": sender_id,
        "conversation": lines,
        "conversation_total": total,
        "conversation_since": first,
        "truncated": read["total"] > MAX_LINES or msgs_total > MAX_LINES,
        "remembered": _remembered(sessions, read["slots"]),
        "contact": contact,
        "youth_worker_chats": chats,
        "safety_alerts": {"count": len(alerts), "dates": [_iso(a) for a in alerts]},
        "sms_delivery_reports": {"count": int(reports)},
        "my_plan": pathway.export(sessions, sender_id),
        "my_ratings": reviews.export(sessions, sender_id),
    }
    data["about"] = _about(data, org_names, int(notes or 0))
    logger.info("data export collected (%d lines, %d chats)", len(lines), len(chats))
    return data


def _about(data: Dict[str, Any], orgs: Sequence[str], notes: int) -> str:
    """What the file is, what it leaves out and why, in plain words."""
    contact = data["contact"] or {}
    parts = [
        f"This is everything the Youth Pathway Navigator keeps about you, made on "
        f"{_day(data['generated_at'])}. We know you only by a made-up reference "
        f"({data['reference']}), never by your name.",
    ]
    if contact.get("address"):
        parts.append(f"We also keep {_ADDRESS.get(contact.get('channel'), 'your address')} so "
                     "we can reply, stored locked (encrypted): it is not shown here.")
    parts.append("'conversation' is our chat, 'remembered' is what the navigator remembers to "
                 "help you, 'youth_worker_chats' are your chats with a youth worker.")
    if data["truncated"]:
        parts.append(f"Only the latest {MAX_LINES} messages are in this file.")
    if data["youth_worker_chats"]:
        who = ", ".join(orgs) or "the organisation"
        parts.append(f"Youth workers also keep private notes ({notes} so far), tags and an "
                     "outcome for their own work on these chats; they are not in this file. "
                     f"You can ask {who} for them.")
    if _plan_steps(data):
        parts.append("'my_plan' is your plan: goals, steps and how your referrals went. If you "
                     "delete your data, how referrals went is kept as a count, with no link "
                     "to you.")
    if any(_ratings(data)):
        parts.append("'my_ratings' are the services you rated and your tips for others. If "
                     "you delete your data, your stars are kept as a count, with no link to "
                     "you; your comments and tips are deleted.")
    if data["safety_alerts"]["count"]:
        parts.append("Safety alerts (dates only here) tell a youth worker to check you are OK. "
                     "If you delete your data they are kept, with no link to you.")
    parts.append(f"To delete everything: {delete_hint(contact.get('channel'))}.")
    return " ".join(parts)


# -- summary ------------------------------------------------------------------------------------
def _day(iso: Optional[str]) -> str:
    """"2026-11-03T..." → "3 Nov 2026"."""
    try:
        d = datetime.fromisoformat(str(iso))
    except ValueError:
        return ""
    return f"{d.day} {d:%b %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _plan_steps(data: Dict[str, Any]) -> int:
    plan = data.get("my_plan") or {}
    return sum(len(g.get("steps") or []) for g in plan.get("goals") or [])


def _ratings(data: Dict[str, Any]) -> tuple[int, int]:
    mine = data.get("my_ratings") or {}
    return len(mine.get("ratings") or []), len(mine.get("tips") or [])


def is_empty(data: Dict[str, Any]) -> bool:
    """Nothing at all is held."""
    plan = data.get("my_plan") or {}
    return not (data.get("conversation_total") or data.get("remembered") or data.get("contact")
                or data.get("youth_worker_chats") or data["safety_alerts"]["count"]
                or data["sms_delivery_reports"]["count"] or plan.get("goals")
                or plan.get("referral_outcomes") or any(_ratings(data)))


def _parts(data: Dict[str, Any], channel: str, needs_max: int, area_max: int,
           extras: bool) -> List[str]:
    parts: List[str] = []
    n = data.get("conversation_total") or 0
    if n:
        since = _day(data.get("conversation_since"))
        parts.append(_plural(n, "message") + (f" since {since}" if since else ""))
    mem = data.get("remembered") or {}
    needs = mem.get("needs") or []
    if needs:
        shown = ", ".join(needs[:needs_max])
        more = len(needs) - needs_max
        parts.append("you're looking for: " + shown + (f" and {more} more" if more > 0 else ""))
    if mem.get("area"):
        area = str(mem["area"])
        parts.append("area: " + (area if len(area) <= area_max else area[:area_max - 3] + "..."))
    if mem.get("age") is not None:
        parts.append(f"age {mem['age']}")
    chats = len(data.get("youth_worker_chats") or [])
    if chats:
        parts.append(_plural(chats, "chat") + " with a youth worker")
    steps = _plan_steps(data)
    if steps:
        parts.append("a plan with " + _plural(steps, "step"))
    rated, tips = _ratings(data)
    if rated or tips:
        parts.append(" and ".join(_plural(n, w) for n, w in ((rated, "rating"), (tips, "tip"))
                                  if n))
    alerts = data["safety_alerts"]["count"]
    if alerts:
        parts.append(_plural(alerts, "safety alert") + " for a youth worker")
    contact = data.get("contact") or {}
    if extras and contact.get("address"):
        parts.append(f"{_ADDRESS.get(contact.get('channel'), 'your address')}, stored locked")
    reports = data["sms_delivery_reports"]["count"]
    if extras and reports:
        parts.append(f"delivery reports for {_plural(reports, 'text')}")
    return parts


def summary(data: Dict[str, Any], channel: str) -> str:
    """What is held, in a few plain words: at most 306 GSM-7 characters (two segments) on SMS,
    about 600 characters elsewhere; ends with how to delete it all on ``channel``."""
    sms = channel == "sms"
    if is_empty(data):
        return "We don't keep anything about you right now."
    limit = SMS_MAX if sms else CHAT_MAX
    fits: Callable[[str], bool] = (lambda t: septets(t) <= limit and segments(t) <= 2) \
        if sms else (lambda t: len(t) <= limit)
    chats = bool(data.get("youth_worker_chats"))
    tail = "Youth workers' own notes: ask them." if chats else "Nothing else."
    if channel == "telegram":
        tail += " The file has the details."
    end = f"To delete it all: {delete_hint(channel)}."
    text = ""
    for needs_max, area_max, extras in ((12, 60, True), (12, 60, False), (3, 40, False),
                                        (2, 30, False), (1, 20, False)):
        body = "; ".join(_parts(data, channel, needs_max, area_max, extras))
        text = f"Here's what we keep about you: {body}. {tail} {end}"
        text = to_gsm(text) if sms else text
        if fits(text):
            return text
    text = f"We keep our chat and what you told us. {end}"
    return to_gsm(text) if sms else text


def to_json_bytes(data: Dict[str, Any]) -> bytes:
    """The export as an indented UTF-8 JSON file."""
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
