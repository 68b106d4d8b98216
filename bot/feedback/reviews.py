"""Ratings from lived experience and peer tips (``service_rating``, ``peer_tip``).

After a check-in, or when asked, a young person rates a service 1-5 with an optional short
comment: one rating per person and service (a new one replaces the old). Comments and peer tips
("ask for the youth worker at the desk") are held as ``pending`` until a youth worker approves
them in the console's moderation queue (:func:`pending`, :func:`moderate`); only then does
anyone else see them. Star averages are shown only from :data:`MIN_SHOWN` ratings on.

Comment and tip text is cleaned (whitespace collapsed, cut short) and has phone numbers and
e-mail addresses masked (:func:`bot.privacy.mask_text`) *before* it is stored. Forgetting a
person (:func:`forget_sender`) keeps their stars as an anonymous count but deletes the comment
text and their tips. Pure and synchronous (SQLAlchemy 2.0 style); text is never logged.
"""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.handoff.models import AuditEntry
from bot.accounts.models import YouthOrganisation, Worker
from bot.channels.models import ChannelContact
from bot.directory.models import Service
from bot.masking import mask_text
from bot.feedback.models import PeerTip, ServiceRating

logger = logging.getLogger(__name__)

STARS_MIN, STARS_MAX = 1, 5
COMMENT_MAX = 280
TIP_MAX = 200
MIN_SHOWN = 3
MAX_PENDING_TIPS = 3  # per sender, waiting for moderation
KINDS = ("comment", "tip")
MODERATOR_ROLES = ("worker", "admin")  # peer mentors read, never moderate
AUDIT_ACTION = "moderate"
DEFAULT_REGION = "GB"
SENDER_MAX = 80
_CHUNK = 500  # ids per IN (...) (well under SQLite's bound-parameter limit)


class ReviewError(ValueError):
    """A rating, tip or moderation request that cannot be done (the message is for people)."""


class ReviewNotFound(ReviewError):
    """No such rating, comment or tip (or no such service)."""


class NotAllowed(ReviewError):
    """The worker may not moderate (unknown, disabled, or a role that does not moderate)."""


@dataclass(frozen=True)
class Rating:
    """One person's rating of a service, as they see it."""

    id: int
    service_id: str
    stars: int
    comment: Optional[str]
    comment_status: str


@dataclass(frozen=True)
class Tip:
    """A peer tip and its moderation status."""

    id: int
    service_id: str
    text: str
    status: str


@dataclass(frozen=True)
class Summary:
    """The average of a service's ratings (only made from :data:`MIN_SHOWN` ratings on)."""

    service_id: str
    average: float
    count: int

    def label(self, sms: bool = False) -> str:
        """"4.2★ from 12 young people"; with ``sms`` GSM-7 only: "4.2/5 from 12 young people"."""
        who = "young person" if self.count == 1 else "young people"
        stars = f"{self.average:.1f}/5" if sms else f"{self.average:.1f}\u2605"
        return f"{stars} from {self.count} {who}"


@dataclass(frozen=True)
class ModerationItem:
    """A comment or tip waiting for a youth worker (``stars``: the rating, for comments)."""

    kind: str
    id: int
    service_id: str
    service_name: str
    text: str
    stars: Optional[int]
    created_at: datetime

    @property
    def fingerprint(self) -> str:
        """A short hash of the text, so a decision applies only to the text the worker saw."""
        return fingerprint(self.text)


def fingerprint(text: str) -> str:
    """16 hex characters identifying ``text`` (not secret: a change detector)."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def _aware(ts: Optional[datetime]) -> Optional[datetime]:
    """Database times are UTC; SQLite gives them back naive."""
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


# -- input --------------------------------------------------------------------------------------
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_STAR_CHARS = "\u2605\u2b50\U0001f31f*"  # ★ ⭐ 🌟 *
_NUMBER = re.compile(r"(?P<n>[1-5]|one|two|three|four|five)\s*(?:(?:/|out of|of)\s*(?:5|five))?"
                     r"\s*(?:[*\u2605\u2b50]|stars?)?")
_STARS = re.compile(rf"(?P<full>[{_STAR_CHARS}]{{1,5}})\s*[\u2606]*")


def parse_stars(text: str) -> Optional[int]:
    """1-5 from what a person typed: "4", "4 stars", "four", "4/5", "★★★★", "4*" (trailing
    punctuation ignored); anything else (0, 6, "45", "4.5", words around it) is None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    t = unicodedata.normalize("NFKC", text).replace("\ufe0f", "").strip().lower()
    t = t.rstrip(".!").strip()
    m = _NUMBER.fullmatch(t)
    if m:
        n = m.group("n")
        return _WORDS[n] if n in _WORDS else int(n)
    m = _STARS.fullmatch(t)
    return len(m.group("full")) if m else None


def _sender(sender_id: str) -> str:
    if not isinstance(sender_id, str) or not sender_id.strip() or len(sender_id) > SENDER_MAX:
        raise ReviewError("a rating needs the sender's reference")
    return sender_id


def _stars(stars: Any) -> int:
    if isinstance(stars, bool) or not isinstance(stars, int) \
            or not STARS_MIN <= stars <= STARS_MAX:
        raise ReviewError(f"stars must be a whole number from {STARS_MIN} to {STARS_MAX}")
    return stars


def _visible(ch: str) -> str:
    """Control characters become spaces; format characters (bidi overrides...), surrogates and
    unassigned code points go, except the joiner inside emoji."""
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return " "
    return ch if cat[0] != "C" or ch == "\u200d" else ""


def clean_text(text: Optional[str], limit: int, region: str = DEFAULT_REGION) -> str:
    """Control characters dropped, whitespace collapsed, phone numbers and e-mail addresses
    masked, cut to ``limit`` characters ("..." at the end when cut). May be empty."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ReviewError("the text must be text")
    text = "".join(_visible(ch) for ch in text[:limit * 4])
    text = mask_text(" ".join(text.split()), region or DEFAULT_REGION)
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _service(s: Session, service_id: str) -> str:
    if not isinstance(service_id, str) or not service_id or s.get(Service, service_id) is None:
        raise ReviewNotFound("no such service in the directory")
    return service_id


def _rating(row: ServiceRating) -> Rating:
    return Rating(row.id, row.service_id, int(row.stars), row.comment, row.comment_status)


def _set_comment(row: ServiceRating, comment: Optional[str]) -> None:
    """A new comment is pending; the same comment keeps its status; none clears it."""
    if not comment:
        row.comment, row.comment_status = None, "none"
    elif comment != row.comment or row.comment_status == "none":
        row.comment, row.comment_status = comment, "pending"
    else:
        return
    row.moderated_by = row.moderated_at = None


# -- a young person's side ----------------------------------------------------------------------
def _upsert(sessions: sessionmaker, sender_id: str, service_id: str, stars: int,
            text: Optional[str]) -> Rating:
    with sessions() as s, s.begin():
        _service(s, service_id)
        row = s.execute(select(ServiceRating).where(
            ServiceRating.sender_id == sender_id,
            ServiceRating.service_id == service_id)).scalar()
        if row is None:
            row = ServiceRating(sender_id=sender_id, service_id=service_id, comment_status="none")
            s.add(row)
        row.stars = stars
        _set_comment(row, text)
        s.flush()
        return _rating(row)


def rate(sessions: sessionmaker, sender_id: str, service_id: str, stars: int,
         comment: Optional[str] = None, *, region: str = DEFAULT_REGION) -> Rating:
    """Rate a service; replaces the sender's earlier rating of it (stars and comment: no
    comment clears the old one). A new or changed comment waits for moderation."""
    _sender(sender_id)
    _stars(stars)
    text = clean_text(comment, COMMENT_MAX, region) or None
    try:
        rating = _upsert(sessions, sender_id, service_id, stars, text)
    except IntegrityError:  # a concurrent first rating won the insert: now it is an update
        rating = _upsert(sessions, sender_id, service_id, stars, text)
    logger.info("service rated (%d stars%s)", stars, ", with a comment" if text else "")
    return rating


def add_comment(sessions: sessionmaker, sender_id: str, service_id: str,
                comment: str, *, region: str = DEFAULT_REGION) -> Rating:
    """Add (or change) the comment of the sender's existing rating; it waits for moderation."""
    _sender(sender_id)
    text = clean_text(comment, COMMENT_MAX, region)
    if not text:
        raise ReviewError("the comment is empty")
    with sessions() as s, s.begin():
        row = s.execute(select(ServiceRating).where(
            ServiceRating.sender_id == sender_id,
            ServiceRating.service_id == service_id)).scalar()
        if row is None:
            raise ReviewNotFound("rate the service first")
        _set_comment(row, text)
        s.flush()
        return _rating(row)


def add_tip(sessions: sessionmaker, sender_id: str, service_id: str, text: str, *,
            region: str = DEFAULT_REGION) -> Tip:
    """A tip for others about a service; shown once a youth worker approves it. At most
    :data:`MAX_PENDING_TIPS` of a sender's tips wait at once."""
    _sender(sender_id)
    cleaned = clean_text(text, TIP_MAX, region)
    if not cleaned:
        raise ReviewError("the tip is empty")
    with sessions() as s, s.begin():
        _service(s, service_id)
        waiting = s.execute(select(func.count()).select_from(PeerTip).where(
            PeerTip.sender_id == sender_id, PeerTip.status == "pending")).scalar() or 0
        if waiting >= MAX_PENDING_TIPS:
            raise ReviewError(f"{MAX_PENDING_TIPS} tips are already waiting to be checked")
        row = PeerTip(sender_id=sender_id, service_id=service_id, text=cleaned, status="pending")
        s.add(row)
        s.flush()
        logger.info("peer tip added (pending)")
        return Tip(row.id, row.service_id, row.text, row.status)


# -- what others see ----------------------------------------------------------------------------
def summaries(sessions: sessionmaker, service_ids: Iterable[str]) -> Dict[str, Summary]:
    """The :class:`Summary` of each service with at least :data:`MIN_SHOWN` ratings (one query
    for up to 500 ids); services with fewer are left out."""
    ids = sorted({i for i in service_ids or () if isinstance(i, str) and i})
    out: Dict[str, Summary] = {}
    with sessions() as s:
        for k in range(0, len(ids), _CHUNK):
            rows = s.execute(select(ServiceRating.service_id, func.avg(ServiceRating.stars),
                                    func.count())
                             .where(ServiceRating.service_id.in_(ids[k:k + _CHUNK]))
                             .group_by(ServiceRating.service_id)
                             .having(func.count() >= MIN_SHOWN)).all()
            for service_id, average, count in rows:
                out[service_id] = Summary(service_id, round(float(average), 2), int(count))
    return out


def summary(sessions: sessionmaker, service_id: str) -> Optional[Summary]:
    """The service's average, or None under :data:`MIN_SHOWN` ratings."""
    return summaries(sessions, [service_id]).get(service_id)


def approved_tips(sessions: sessionmaker, service_id: str, limit: int = 2) -> List[str]:
    """Approved tips about the service, newest first."""
    with sessions() as s:
        return list(s.execute(select(PeerTip.text).where(
            PeerTip.service_id == service_id, PeerTip.status == "approved")
            .order_by(PeerTip.created_at.desc(), PeerTip.id.desc())
            .limit(max(0, int(limit)))).scalars())


def approved_comments(sessions: sessionmaker, service_id: str, limit: int = 2) -> List[str]:
    """Approved rating comments about the service, newest first."""
    with sessions() as s:
        return list(s.execute(select(ServiceRating.comment).where(
            ServiceRating.service_id == service_id, ServiceRating.comment_status == "approved",
            ServiceRating.comment.isnot(None))
            .order_by(ServiceRating.updated_at.desc(), ServiceRating.id.desc())
            .limit(max(0, int(limit)))).scalars())


# -- moderation ---------------------------------------------------------------------------------
def _writers_org(sender_col: Any, org_id: Optional[int], default_org: str) -> Any:
    """A condition: the writer's organisation is ``org_id`` (None: any). A young person
    belongs to the organisation their contact was referred by (the deep-link code, as for a
    handoff: ``bot.handoff.handoff._route``), else to the default one; so is a forgotten writer."""
    if org_id is None:
        return True
    referred = (select(YouthOrganisation.id)
                .join(ChannelContact, ChannelContact.referral == YouthOrganisation.slug)
                .where(ChannelContact.sender_id == sender_col).limit(1).scalar_subquery())
    default = (select(YouthOrganisation.id).where(YouthOrganisation.slug == default_org)
               .scalar_subquery())
    return func.coalesce(referred, default) == org_id


def pending(sessions: sessionmaker, limit: int = 100, org_id: Optional[int] = None,
            default_org: str = "default") -> List[ModerationItem]:
    """Comments and tips waiting for a youth worker, oldest first, with the service name;
    ``org_id``: only those written by young people of that organisation (a comment may name
    its writer before it is checked, so only their own organisation's workers read it)."""
    limit = max(0, int(limit))
    with sessions() as s:
        comments = s.execute(select(ServiceRating, Service.name)
                             .outerjoin(Service, Service.id == ServiceRating.service_id)
                             .where(ServiceRating.comment_status == "pending",
                                    ServiceRating.comment.isnot(None),
                                    _writers_org(ServiceRating.sender_id, org_id,
                                                 default_org))
                             .order_by(ServiceRating.updated_at, ServiceRating.id)
                             .limit(limit)).all()
        tips = s.execute(select(PeerTip, Service.name)
                         .outerjoin(Service, Service.id == PeerTip.service_id)
                         .where(PeerTip.status == "pending",
                                _writers_org(PeerTip.sender_id, org_id, default_org))
                         .order_by(PeerTip.created_at, PeerTip.id).limit(limit)).all()
    gone = "(no longer in the directory)"
    items = [ModerationItem("comment", r.id, r.service_id, name or gone, r.comment,
                            int(r.stars), _aware(r.updated_at)) for r, name in comments]
    items += [ModerationItem("tip", t.id, t.service_id, name or gone, t.text, None,
                             _aware(t.created_at)) for t, name in tips]
    items.sort(key=lambda i: (i.created_at, i.kind, i.id))
    return items[:limit]


def pending_count(sessions: sessionmaker, org_id: Optional[int] = None,
                  default_org: str = "default") -> int:
    """How many comments and tips wait for moderation (``org_id``: see :func:`pending`)."""
    with sessions() as s:
        return int((s.execute(select(func.count()).select_from(ServiceRating).where(
            ServiceRating.comment_status == "pending", ServiceRating.comment.isnot(None),
            _writers_org(ServiceRating.sender_id, org_id, default_org))).scalar() or 0)
            + (s.execute(select(func.count()).select_from(PeerTip).where(
                PeerTip.status == "pending",
                _writers_org(PeerTip.sender_id, org_id, default_org))).scalar() or 0))


def _moderator(s: Session, worker_id: int) -> Worker:
    worker = s.get(Worker, worker_id) if isinstance(worker_id, int) else None
    if worker is None or not worker.active:
        raise NotAllowed("no such youth worker")
    if worker.role not in MODERATOR_ROLES:
        raise NotAllowed("only youth workers and admins can moderate")
    return worker


def moderate(sessions: sessionmaker, kind: str, item_id: int, approve: bool, worker_id: int,
             *, seen: Optional[str] = None, default_org: Optional[str] = None) -> None:
    """Approve or reject a pending comment or tip, and write it to the audit log. ``seen``
    (optional, :func:`fingerprint` of the text shown) refuses a text changed since."""
    if kind not in KINDS:
        raise ReviewError(f"kind must be one of {', '.join(KINDS)}")
    if isinstance(item_id, bool) or not isinstance(item_id, int) or not 0 < item_id < 2 ** 63:
        raise ReviewNotFound(f"no such {kind}")
    if not isinstance(approve, bool):
        raise ReviewError("the decision must be approve or reject")
    status = "approved" if approve else "rejected"
    model, col, text_col = ((ServiceRating, ServiceRating.comment_status, ServiceRating.comment)
                            if kind == "comment" else (PeerTip, PeerTip.status, PeerTip.text))
    now = datetime.now(timezone.utc)
    with sessions() as s, s.begin():
        worker = _moderator(s, worker_id)
        mine = (_writers_org(model.sender_id, worker.org_id, default_org)
                if default_org is not None else True)
        found = s.execute(select(col, text_col).where(model.id == item_id, mine)).first()
        if found is None or (kind == "comment" and found[1] is None):
            raise ReviewNotFound(f"no such {kind}")
        if found[0] != "pending":
            raise ReviewError(f"this {kind} was already checked")
        where = [model.id == item_id, col == "pending"]
        if seen is not None:
            where.append(text_col == found[1])
            if fingerprint(found[1] or "") != seen:
                raise ReviewError(f"the {kind} changed since it was shown: reload the page")
        done = s.execute(update(model).where(*where).values(
            {col.key: status, "moderated_by": worker.id, "moderated_at": now})
            .execution_options(synchronize_session=False)).rowcount
        if not done:  # someone else decided (or it changed) in between
            raise ReviewError(f"this {kind} was already checked")
        s.add(AuditEntry(worker_id=worker.id, org_id=worker.org_id, action=AUDIT_ACTION,
                         detail=f"{kind} {item_id} {status}"))
    logger.info("%s %s %s", kind, item_id, status)


# -- the person's own data ----------------------------------------------------------------------
def forget_sender(s: Session, sender_id: str) -> int:
    """In the caller's transaction: the sender's ratings become anonymous stars (no sender, no
    comment) and their tips are deleted. How many rows were changed or removed."""
    if not isinstance(sender_id, str) or not sender_id:
        return 0  # never "sender_id IS NULL": that would match the anonymous stars
    rows = s.execute(update(ServiceRating).where(ServiceRating.sender_id == sender_id).values(
        sender_id=None, comment=None, comment_status="none", moderated_by=None,
        moderated_at=None).execution_options(synchronize_session=False)).rowcount or 0
    rows += s.execute(delete(PeerTip).where(PeerTip.sender_id == sender_id)
                      .execution_options(synchronize_session=False)).rowcount or 0
    return rows


_SHOWN = {"none": None, "pending": "waiting for a youth worker to check it",
          "approved": "shown to others", "rejected": "not shown to others"}


def export(sessions: sessionmaker, sender_id: str) -> Dict[str, Any]:
    """The sender's ratings and tips, JSON-ready (for "send me my data")."""
    def iso(ts: Optional[datetime]) -> Optional[str]:
        ts = _aware(ts)
        return ts.isoformat(timespec="seconds") if ts else None

    with sessions() as s:
        ratings = s.execute(select(ServiceRating, Service.name)
                            .outerjoin(Service, Service.id == ServiceRating.service_id)
                            .where(ServiceRating.sender_id == sender_id)
                            .order_by(ServiceRating.id)).all()
        tips = s.execute(select(PeerTip, Service.name)
                         .outerjoin(Service, Service.id == PeerTip.service_id)
                         .where(PeerTip.sender_id == sender_id).order_by(PeerTip.id)).all()
    return {
        "ratings": [{"service": name or r.service_id, "stars": int(r.stars),
                     "comment": r.comment, "comment_status": _SHOWN.get(r.comment_status),
                     "rated_at": iso(r.updated_at)} for r, name in ratings],
        "tips": [{"service": name or t.service_id, "text": t.text,
                  "status": _SHOWN.get(t.status), "added_at": iso(t.created_at)}
                 for t, name in tips],
    }
