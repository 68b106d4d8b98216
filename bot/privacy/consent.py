"""First contact, consent, age and the privacy requests every channel understands.

* **Notice and consent.** The first time someone writes (any channel), a 2-3 line notice says
  what is kept, that a youth worker may read the chat, and how to delete it; carrying on is
  consent, recorded as ``channel_contact.notice_at``. A first message that signals a crisis is
  answered first: the notice waits for the next message.
* **Privacy requests**, recognised in plain words or as commands, before the dialogue model
  (a data-rights request must never depend on an intent classifier's mood): "what do you keep
  about me" / ``/privacy`` / ``PRIVACY``; "delete my data" / ``/forget`` / ``FORGET`` (asks to
  confirm: the same request again or "yes" within 5 minutes); "send me my data" /
  ``/mydata`` / ``MYDATA``.
* **Under 13** (``CHILD_AGE``): the person is signposted to a children's helpline and nothing
  is kept beyond ``channel_contact.child_at`` (so later messages get the same answer and
  nothing more is stored). A message that signals risk is still answered with crisis support
  and flagged for a worker: safeguarding comes before minimisation.

Pure Python and synchronous (SQLAlchemy); the channel glue is ``connectors/gate.py``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.contacts import contact_row
from bot.privacy.forget import is_pending
from bot.channels.models import ChannelContact
from bot.models import as_utc
from bot.directory.parsing import parse_age
from bot.safeguarding import check
from bot.safeguarding.helplines import region_help

CHILD_AGE = 13  # below this: signpost, keep nothing
PRIVACY, FORGET, EXPORT = "privacy", "forget", "export"

# Commands shown to the person, per channel (plain words where there are no commands).
_WORDS = {
    "telegram": {PRIVACY: "/privacy", FORGET: "/forget", EXPORT: "/mydata"},
    "sms": {PRIVACY: "PRIVACY", FORGET: "FORGET", EXPORT: "MYDATA"},
    "whatsapp": {PRIVACY: "PRIVACY", FORGET: "FORGET", EXPORT: "MYDATA"},
}
_PLAIN = {PRIVACY: "'privacy'", FORGET: "'delete my data'", EXPORT: "'send me my data'"}

_KEEP = r"(keep|store|save|hold|have|know|record|log|collect|got)"
_DATA = (r"(data|info|information|details|messages|chats?|conversations?|history|records?|"
         r"everything|stuff)")
_PATTERNS = (
    (EXPORT, re.compile(
        r"^/?my ?data$|^(can|could) (you|i) (please )?(send|give|get|have|see|download|email) "
        r"(me )?(a )?(copy of )?(all )?my " + _DATA + r"\b|^(please )?(send|give|email|show|"
        r"download|export) (me )?(a )?(copy of )?(all )?(of )?my " + _DATA + r"\b|"
        r"\b(copy|export|download) of (all )?(of )?my " + _DATA + r"\b|"
        r"^(can|could) i (get|have|see|download) (all )?(of )?(the )?(data|info|information)"
        r" (you|u) (have|hold|keep) (on|about) me\b")),
    (FORGET, re.compile(
        r"^/?(forget|forgetme|forget me|delete|delete me|erase me|delete everything|wipe everything)$|"
        r"\b(delete|erase|wipe|remove|clear|destroy|get rid of) (all )?(of )?(my|our) "
        + _DATA + r"\b|\bforget (about )?(me|everything i (said|told you))\b|"
        r"\b(delete|erase|wipe|remove|clear) (all |everything )?(you (have|hold|keep|know) )?"
        r"(about|on) me\b|\b(delete|erase|wipe) (this|the) (chat|conversation)\b|"
        r"\bright to (be forgotten|erasure)\b")),
    (PRIVACY, re.compile(
        r"^/?privacy( policy| notice| info)?$|\bwhat (do|did|will) (you|u) " + _KEEP
        + r" (on|about) me\b|\bwhat (data|info|information|details) (do|did|will) (you|u) "
        + _KEEP + r"\b|\b(is|are) (this|it|these|the|my)( chat| conversation| messages?)?s? "
        r"(private|confidential|anonymous|secret)\b|\bwho (can|will|could) (see|read) "
        r"(this|these|my|our|what i)\b|\bprivacy (policy|notice)\b|\bdo (you|u) (keep|store|"
        r"save|record) (my|our|this|these)\b|\bwhat happens to my (data|messages|info)\b")),
)
_YES = re.compile(r"^(yes|y|yeah|yep|yup|ya|yea|ok|okay|sure|confirm|confirmed|do it|go ahead|"
                  r"delete|delete it|delete it all|yes please|yes delete|yes delete it( all)?|"
                  r"yes do it|i'?m sure)$")


def _norm(text: str) -> str:
    t = re.sub(r"[’`]", "'", (text or "").strip().lower())
    t = re.sub(r"[^a-z0-9/' ]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def request(text: str) -> Optional[str]:
    """``PRIVACY``, ``FORGET`` or ``EXPORT`` when ``text`` is such a request, else None.

    Crisis messages are checked before this by the caller; "delete my data" inside a long
    message still counts (the deletion itself is confirmed first)."""
    t = _norm(text)
    if not t or len(t) > 200:
        return None
    for name, pattern in _PATTERNS:
        if pattern.search(t):
            return name
    return None


# "I'm 12", "my age is 11", and "aged 10" / "age 12" only where it starts a sentence or follows
# the writer ("me and my sister aged 11" is the sister's age).
_FIRST_PERSON_AGE = re.compile(
    r"\b(?:i'?m|im|i am|my age is)\s+(?:aged?\s+)?(?:only\s+|just\s+)?\d"
    r"|(?:^|[.!?;:(]\s*|\b(?:hi|hello|hey|me)\s*,?\s*)aged?\s+(?:only\s+|just\s+)?\d",
    re.IGNORECASE)
_CHILD_YES = re.compile(r"^(?:yes|y|yeah|yep|yup|ya|yea|correct|true|right|that'?s right|"
                        r"i am|yes i am|it is|yes it is)\b")
CHILD_CHECK_WINDOW_S = 1800  # an unanswered "are you under 13?" lapses after this


def stated_age(text: str) -> Optional[int]:
    """An age the writer gives for themself ("I'm 12", "i am only 11 years old"); None for
    anyone else's ("my sister is 12 years old", "a 12 year old brother"): a wrong guess here
    would delete an adult's conversation."""
    m = _FIRST_PERSON_AGE.search(text or "")
    return parse_age(re.sub(r"\b(only|just)\s+", "", text[m.start():], count=1)) if m else None


def confirms_child(text: str) -> bool:
    """A yes to "are you under 13?" ("yes", "yeah i am", "that's right")."""
    return bool(_CHILD_YES.match(_norm(text)))


def is_yes(text: str) -> bool:
    """A confirmation ("yes", "ok delete it") to a pending question."""
    return bool(_YES.match(_norm(text)))


def word(channel: str, what: str) -> str:
    """How to ask for ``what`` on ``channel`` ("/forget", "FORGET", "'delete my data'")."""
    return _WORDS.get(channel, {}).get(what, _PLAIN[what])


# -- texts ----------------------------------------------------------------------------------
def _months(retention_days: int) -> str:
    months = max(1, round(retention_days / 30.4))
    return f"{months} months" if months != 1 else "1 month"


def notice(channel: str, retention_days: int = 365) -> str:
    """The first-contact notice (2-3 lines, SMS-safe)."""
    we = "we" if channel == "sms" else "I"
    return (f"Before we start: {we} keep this chat (deleted after {_months(retention_days)} "
            f"without use) so {we} can help, and a youth worker may read it to support you.\n"
            f"{word(channel, PRIVACY)} tells you more, {word(channel, FORGET)} deletes it all. "
            f"Carrying on means you're OK with this.")


def privacy_text(channel: str, retention_days: int = 365) -> str:
    """What is kept, who sees it, for how long, and the person's choices, in plain words."""
    address = {"sms": "your number", "telegram": "your Telegram chat id",
               "whatsapp": "your WhatsApp number"}.get(channel)
    if channel == "sms":
        return (f"We keep: your messages, what you're looking for, your area, age, plan and "
                f"ratings, and your number (locked) to reply. Youth workers may read the chat to help "
                f"you; no one "
                f"else. Deleted after {_months(retention_days)} without use. MYDATA: get a "
                f"copy. FORGET: delete it all (the text firm keeps only when texts were sent).")
    kept = ("your messages to me, what you're looking for, your area and your age, your plan, "
            "and any ratings or tips you leave")
    if address:
        kept += f", and {address}, stored locked, only so I can reply"
    return (f"What I keep: {kept}.\n"
            f"Who sees it: youth workers at the service may read the chat to help you. Nobody "
            f"else. Ratings, comments and tips are shown to others without your name, comments "
            f"and tips only after a youth worker checks them. The open data we share is only "
            f"counts, never names, numbers or messages.\n"
            f"How long: everything is deleted after {_months(retention_days)} without use.\n"
            f"Your choices: {word(channel, EXPORT)} sends you a copy of what I keep; "
            f"{word(channel, FORGET)} deletes it all, any time (a copy of your messages stays "
            f"only on your own device).")


def child_check_text(age: int, region: str) -> str:
    """Before anything is deleted: is the age they gave really theirs?"""
    rh = region_help(region)
    return (f"Just to check: are you {age}? This service is for people aged {CHILD_AGE} and "
            f"over. Reply YES if you're under {CHILD_AGE}, or tell me your age if I've got it "
            f"wrong. If you're in danger now, call {rh.emergency}.")


def forget_ask(channel: str) -> str:
    """The confirmation question before deleting everything."""
    again = word(channel, FORGET)
    return (f"This deletes our whole chat and everything kept about you, including anything you "
            f"told a youth worker here. It can't be undone. Reply YES (or {again} again) within "
            f"5 minutes to confirm.")


def forgotten(channel: str) -> str:
    """The goodbye after deleting (the last thing sent; nothing of it is stored)."""
    where = {"telegram": "delete the chat in Telegram", "sms": "delete these texts",
             "whatsapp": "delete the chat in WhatsApp"}.get(
        channel, "close this chat")
    return f"Done: I've deleted our chat and everything I kept about you. To clear this device too, {where}."


def child_text(region: str) -> str:
    """For someone under 13: a children's helpline, and that nothing is kept."""
    rh = region_help(region)
    line = rh.for_children()
    helpline = f" {line.name} is there for you: {line.contact} ({line.hours})." if line else ""
    return (f"Thanks for telling me. This service is for people aged {CHILD_AGE} and over, so I "
            f"won't keep our chat.{helpline} If you're in danger now, call {rh.emergency}. "
            f"If you typed your age wrong, just tell me your age again.")


def slow_down_text(region: str) -> str:
    """For someone over the per-minute message limit (said once a minute)."""
    return ("You're sending messages faster than I can read them. Please wait a minute, then "
            "send your last message again. If you're in danger now, call "
            f"{region_help(region).emergency}.")


# -- state ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactState:
    """What the gate needs to know about a sender before a turn."""

    noticed: bool = False
    child: bool = False
    forget_pending: bool = False
    child_check: bool = False  # said an age under 13; "is that right?" awaits its answer
    safety_check: Optional[check.Pending] = None  # "are you safe right now?" awaits its answer


def _now() -> datetime:
    return datetime.now(timezone.utc)


def state(sessions: sessionmaker, sender_id: str, now: Optional[datetime] = None) -> ContactState:
    """The sender's notice/child/forget state (all False for someone never seen)."""
    with sessions() as s:
        return state_in(s, sender_id, now)


def state_in(s: Session, sender_id: str, now: Optional[datetime] = None) -> ContactState:
    """:func:`state` read in the caller's session ``s`` (with other work of the same turn)."""
    row = s.execute(select(ChannelContact.notice_at, ChannelContact.child_at,
                           ChannelContact.forget_requested_at, ChannelContact.safety_check_at,
                           ChannelContact.safety_check_kinds, ChannelContact.child_check_at)
                    .where(ChannelContact.sender_id == sender_id)).first()
    if row is None:
        return ContactState()
    asked_child = row[5] is not None and (
        as_utc(now or _now()) - as_utc(row[5])).total_seconds() <= CHILD_CHECK_WINDOW_S
    return ContactState(row[0] is not None, row[1] is not None, is_pending(row[2], now),
                        asked_child, check.pending(row[3], row[4], now))


def record_notice(sessions: sessionmaker, sender_id: str, channel: str) -> bool:
    """Record that the notice goes out now; False if it already went (another replica or a
    message a moment ago won the race), so it is sent exactly once."""
    with sessions() as s, s.begin():
        contact_row(s, sender_id, channel)
        s.flush()
        done = s.execute(update(ChannelContact).where(
            ChannelContact.sender_id == sender_id, ChannelContact.notice_at.is_(None))
            .values(notice_at=_now()).execution_options(synchronize_session=False))
        return (done.rowcount or 0) == 1


def set_child(sessions: sessionmaker, sender_id: str, channel: str, child: bool) -> None:
    """Mark (or unmark) the sender as under 13."""
    with sessions() as s, s.begin():
        row = contact_row(s, sender_id, channel)
        row.child_at = _now() if child else None
        row.child_check_at = None


def ask_child_check(sessions: sessionmaker, sender_id: str, channel: str,
                    asked: bool = True) -> None:
    """Note (or, ``asked=False``, drop) the pending "are you under 13?"."""
    with sessions() as s, s.begin():
        row = contact_row(s, sender_id, channel)
        row.child_check_at = _now() if asked else None


def cancel_forget(sessions: sessionmaker, sender_id: str) -> None:
    """Drop a pending "delete my data" (the person went on to something else)."""
    with sessions() as s, s.begin():
        s.execute(update(ChannelContact).where(ChannelContact.sender_id == sender_id)
                  .values(forget_requested_at=None).execution_options(synchronize_session=False))
