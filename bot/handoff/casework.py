"""Case work around a handoff: private notes, tags, history search, audit log, PDF export.

Every function that takes a worker is limited to the worker's own organisation (an id from
another one is :class:`bot.handoff.handoff.HandoffNotFound`). Blocking (SQLAlchemy).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from bot.handoff.handoff import HandoffError, _mine
from bot.handoff.models import AuditEntry, Handoff, HandoffNote, HandoffTag
from bot.accounts.models import Worker
from bot.handoff.transcript import Transcript, as_text

logger = logging.getLogger(__name__)

TAG = re.compile(r"[a-z0-9][a-z0-9 _-]{0,39}")
MAX_NOTE = 4000
AUDIT_ACTIONS = ("login", "logout", "open_transcript", "export_text", "export_pdf", "claim",
                 "assign", "reply", "hand_back", "resolve", "note", "tag", "step_in", "moderate")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def audit(sessions: sessionmaker, worker: Optional[Worker], action: str,
          handoff_id: Optional[int] = None, detail: str = "") -> None:
    """Record who did what (no message text: ``detail`` is a code or a short label)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with sessions() as s, s.begin():
        s.add(AuditEntry(worker_id=worker.id if worker else None,
                         org_id=worker.org_id if worker else None, action=action,
                         handoff_id=handoff_id, detail=detail[:255]))


@dataclass(frozen=True)
class AuditRow:
    """One audit line with the worker's e-mail address."""

    at: datetime
    who: str
    action: str
    handoff_id: Optional[int]
    detail: str


def audit_log(sessions: sessionmaker, admin: Worker, limit: int = 200,
              action: Optional[str] = None) -> List[AuditRow]:
    """The admin's organisation's audit log, newest first. Only admins may read it."""
    if admin.role != "admin":
        raise PermissionError("only admins can read the audit log")
    with sessions() as s:
        q = (select(AuditEntry, Worker.email).outerjoin(Worker, Worker.id == AuditEntry.worker_id)
             .where(AuditEntry.org_id == admin.org_id))
        if action:
            q = q.where(AuditEntry.action == action)
        rows = s.execute(q.order_by(AuditEntry.id.desc()).limit(limit)).all()
    return [AuditRow(a.created_at, email or "(deleted)", a.action, a.handoff_id, a.detail)
            for a, email in rows]


def add_note(sessions: sessionmaker, handoff_id: int, worker: Worker, text: str) -> HandoffNote:
    """A private note on the handoff (never sent to the young person)."""
    text = (text if isinstance(text, str) else "").replace("\x00", "").strip()
    if not text:
        raise HandoffError("the note is empty")
    if len(text) > MAX_NOTE:
        raise HandoffError(f"the note is too long (at most {MAX_NOTE} characters)")
    with sessions() as s, s.begin():
        h = _mine(s, handoff_id, worker)
        note = HandoffNote(handoff_id=h.id, worker_id=worker.id, text=text)
        s.add(note)
    return note


def notes(sessions: sessionmaker, handoff_id: int, worker: Worker) -> List[tuple]:
    """(note, author's display name) of one handoff, oldest first."""
    with sessions() as s:
        h = _mine(s, handoff_id, worker)
        return s.execute(select(HandoffNote, Worker.display_name)
                         .outerjoin(Worker, Worker.id == HandoffNote.worker_id)
                         .where(HandoffNote.handoff_id == h.id)
                         .order_by(HandoffNote.id)).all()


def normalise_tag(tag: str) -> str:
    """Lower case, single spaces; :class:`HandoffError` if it is not a usable tag."""
    value = re.sub(r"\s+", " ", (tag or "").strip().lower())
    if not TAG.fullmatch(value):
        raise HandoffError("a tag is 1-40 of a-z 0-9 space _ - (starting with a letter or digit)")
    return value


def set_tag(sessions: sessionmaker, handoff_id: int, worker: Worker, tag: str,
            present: bool = True) -> str:
    """Add (or with ``present=False`` remove) a tag."""
    value = normalise_tag(tag)
    with sessions() as s, s.begin():
        h = _mine(s, handoff_id, worker)
        exists = s.get(HandoffTag, (h.id, value))
        if present and exists is None:
            s.add(HandoffTag(handoff_id=h.id, tag=value))
        elif not present:
            s.execute(delete(HandoffTag).where(HandoffTag.handoff_id == h.id,
                                               HandoffTag.tag == value))
    return value


def tags(sessions: sessionmaker, handoff_id: int) -> List[str]:
    """The tags of one handoff (call after an organisation check)."""
    with sessions() as s:
        return list(s.execute(select(HandoffTag.tag).where(HandoffTag.handoff_id == handoff_id)
                              .order_by(HandoffTag.tag)).scalars())


def search_history(sessions: sessionmaker, worker: Worker, tag: str = "", need: str = "",
                   since: Optional[date] = None, until: Optional[date] = None,
                   limit: int = 200) -> List[Handoff]:
    """Past and present handoffs of the worker's organisation, newest first, filtered by tag,
    need code and date (``since``/``until`` inclusive, UTC days)."""
    q = select(Handoff).where(Handoff.org_id == worker.org_id)
    if tag.strip():
        q = q.join(HandoffTag, HandoffTag.handoff_id == Handoff.id).where(
            HandoffTag.tag == normalise_tag(tag))
    if need.strip():
        code = re.sub(r"[^a-z0-9_]", "", need.strip().lower())[:40]
        q = q.where(("," + Handoff.needs + ",").like(f"%,{code},%"))
    if since:
        q = q.where(Handoff.created_at >= datetime.combine(since, time(), timezone.utc))
    if until:
        q = q.where(Handoff.created_at < datetime.combine(until + timedelta(days=1), time(),
                                                          timezone.utc))
    with sessions() as s:
        return list(s.execute(q.order_by(Handoff.id.desc()).limit(limit)).scalars().unique())


def as_pdf(tr: Transcript, title: str) -> bytes:
    """The text transcript as a PDF (fpdf2). DejaVu Sans keeps any language and emoji-free
    text intact; without it, text is transliterated to Latin-1 for the built-in font."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    if FONT.exists():
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=10)
        fix = _bmp_only
    else:
        pdf.set_font("Helvetica", size=10)
        fix = _latin1
    for line in as_text(tr, title).splitlines():
        pdf.multi_cell(0, 5, fix(line) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _bmp_only(text: str) -> str:
    """DejaVu has no emoji: characters outside the Basic Multilingual Plane become '?'."""
    return "".join(ch if ord(ch) < 0x10000 else "?" for ch in text)


def _latin1(text: str) -> str:
    from anyascii import anyascii

    return "".join(ch if ord(ch) < 256 else anyascii(ch) for ch in text)
