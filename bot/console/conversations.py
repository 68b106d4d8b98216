"""One conversation (``/handoffs/{id}``): transcript, summary, reply, notes, tags, claim,
assign, hand back, resolve, step in, export. Each POST checks the CSRF token and redirects.

A peer mentor sees only peer chats (a youth workers' one is "not found", see ``handoff._mine``),
reads only the peer chat itself (not the young person's earlier conversations with the bot or
with youth workers), can pass it to the youth workers, and cannot step in or export."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bot import accounts, casework, contacts, handoff
from bot.accounts import SessionInfo
from bot.safeguarding.kinds import labels as risk_labels
from bot.console.web import check_csrf, current, render, see_other, state
from bot.outbox import delivery_states
from bot.privacy import mask
from bot.transcript import Transcript, transcript

router = APIRouter(prefix="/handoffs")
CHANNEL_NAMES = {"telegram": "Telegram", "sms": "SMS", "rest": "Local web chat"}
KIND_NAMES = {"worker": "Youth worker", handoff.PEER_MENTOR: "Peer mentor"}


def _peer(info: SessionInfo) -> bool:
    return info.worker.role == handoff.PEER_MENTOR


def _utc(value: Optional[datetime]) -> Optional[datetime]:
    return value.replace(tzinfo=timezone.utc) if value and value.tzinfo is None else value


def _only_this_chat(request: Request, h, tr: Transcript) -> Transcript:
    """A peer mentor's view: this handoff's own messages, and the bot's turns between its request
    and its close (the handoff notice); nothing from before or after, nor other handoffs'."""
    own = set(handoff.message_ids(state(request).sessions, h.id))
    start, end = _utc(h.created_at), _utc(h.closed_at)
    keep = [t for t in tr.turns
            if (t.message_id in own if t.message_id else
                start <= t.at and (end is None or t.at <= end))]
    return Transcript(keep, tr.summary, tr.warning)


def _turns(request: Request, info: SessionInfo, h) -> dict:
    st = state(request)
    tr = transcript(st.sessions, st.tracker_db, h.sender_id, org_id=info.worker.org_id,
                    region=st.settings.country_code)
    if _peer(info):
        tr = _only_this_chat(request, h, tr)
    ids = [t.message_id for t in tr.turns if t.role == "worker" and t.message_id]
    return {"tr": tr, "delivery": delivery_states(st.sessions, ids)}


def _address(request: Request, h) -> str:
    if h.channel == "rest":
        return ""
    st = state(request)
    raw = contacts.contact_address(st.sessions, st.keys, h.sender_id)
    return mask(raw) if raw else "unknown"


@router.get("/{hid}", response_class=HTMLResponse)
def view(request: Request, hid: int, info: SessionInfo = Depends(current)) -> HTMLResponse:
    """The conversation page; opening it is written to the audit log."""
    st = state(request)
    h = handoff.get_handoff(st.sessions, hid, info.worker)
    casework.audit(st.sessions, info.worker, "open_transcript", h.id)
    ctx = _turns(request, info, h)
    ctx.update(h=h, channel=CHANNEL_NAMES.get(h.channel, h.channel),
               address=_address(request, h), notes=casework.notes(st.sessions, h.id, info.worker),
               tags=casework.tags(st.sessions, h.id), outcomes=handoff.OUTCOMES,
               colleagues=[w for w in accounts.org_workers(st.sessions, info.worker.org_id)
                           if h.kind in handoff.visible_kinds(w)],
               is_open=h.status in handoff.OPEN, kind=KIND_NAMES.get(h.kind, h.kind),
               peer=_peer(info), risk=risk_labels(h.risk) if h.risk else "")
    return render(request, "conversation.html", ctx)


@router.get("/{hid}/turns", response_class=HTMLResponse)
def turns(request: Request, hid: int, info: SessionInfo = Depends(current)) -> HTMLResponse:
    """Only the transcript, for the periodic refresh."""
    h = handoff.get_handoff(state(request).sessions, hid, info.worker)
    return render(request, "_turns.html", _turns(request, info, h))


def _back(hid: int) -> Response:
    return see_other(f"/handoffs/{hid}")


@router.post("/{hid}/claim")
def claim(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
          take_over: str = Form(""), info: SessionInfo = Depends(current)) -> Response:
    """Take the conversation (or take it over from a colleague)."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    h = handoff.claim(st.sessions, hid, info.worker, take_over=take_over == "yes")
    casework.audit(st.sessions, info.worker, "claim", h.id)
    return _back(hid)


@router.post("/{hid}/assign")
def assign(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
           worker_id: int = Form(...), info: SessionInfo = Depends(current)) -> Response:
    """Give the conversation to a colleague."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    h = handoff.assign(st.sessions, hid, info.worker, worker_id)
    casework.audit(st.sessions, info.worker, "assign", h.id, f"to worker {worker_id}")
    return _back(hid)


@router.post("/{hid}/reply")
def reply(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
          text: str = Form(""), info: SessionInfo = Depends(current)) -> Response:
    """Store the reply, queue it for the user's channel and wake the outbox."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    handoff.worker_reply(st.sessions, hid, info.worker, text)
    casework.audit(st.sessions, info.worker, "reply", hid)
    st.outbox.wake()
    return _back(hid)


@router.post("/{hid}/notes")
def note(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
         text: str = Form(""), info: SessionInfo = Depends(current)) -> Response:
    """Add a private note."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    casework.add_note(st.sessions, hid, info.worker, text)
    casework.audit(st.sessions, info.worker, "note", hid)
    return _back(hid)


@router.post("/{hid}/tags")
def tag(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
        tag: str = Form(""), remove: str = Form(""),
        info: SessionInfo = Depends(current)) -> Response:
    """Add a tag (or remove one)."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    value = casework.set_tag(st.sessions, hid, info.worker, tag, present=remove != "yes")
    casework.audit(st.sessions, info.worker, "tag", hid, ("-" if remove == "yes" else "+") + value)
    return _back(hid)


@router.post("/{hid}/hand-back")
def hand_back(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
              info: SessionInfo = Depends(current)) -> Response:
    """The bot takes over again; the user is told."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    handoff.hand_back(st.sessions, hid, info.worker)
    casework.audit(st.sessions, info.worker, "hand_back", hid)
    st.outbox.wake()
    return _back(hid)


@router.post("/{hid}/resolve")
def resolve(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
            outcome: str = Form(""), info: SessionInfo = Depends(current)) -> Response:
    """Close with an outcome code; the bot takes over again."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    handoff.resolve(st.sessions, hid, info.worker, outcome)
    casework.audit(st.sessions, info.worker, "resolve", hid, outcome)
    st.outbox.wake()
    return _back(hid)


@router.post("/{hid}/to-workers")
def to_workers(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
               urgent: str = Form(""), info: SessionInfo = Depends(current)) -> Response:
    """Pass a peer chat to the youth workers (urgent: first in their queue)."""
    check_csrf(request, info, csrf_token)
    st = state(request)
    h = handoff.pass_to_workers(st.sessions, hid, info.worker, urgent=urgent == "yes")
    casework.audit(st.sessions, info.worker, "assign", h.id,
                   "to youth workers" + (", urgent" if urgent == "yes" else ""))
    return see_other("/") if _peer(info) else _back(hid)


def _no_peer_mentors(info: SessionInfo, what: str) -> None:
    if _peer(info):
        raise HTTPException(status_code=403, detail=f"Peer mentors cannot {what}.")


@router.post("/{hid}/step-in")
def step_in(request: Request, hid: int, csrf_token: Optional[str] = Form(None),
            info: SessionInfo = Depends(current)) -> Response:
    """Take over a closed conversation again (a new handoff, claimed by this worker)."""
    check_csrf(request, info, csrf_token)
    _no_peer_mentors(info, "step in to a conversation")
    st = state(request)
    old = handoff.get_handoff(st.sessions, hid, info.worker)
    new = handoff.step_in(st.sessions, old.sender_id, info.worker)
    casework.audit(st.sessions, info.worker, "step_in", new.id)
    return _back(new.id)


def _export(request: Request, hid: int, info: SessionInfo, kind: str) -> Response:
    _no_peer_mentors(info, "export conversations")
    st = state(request)
    h = handoff.get_handoff(st.sessions, hid, info.worker)
    tr = transcript(st.sessions, st.tracker_db, h.sender_id, org_id=info.worker.org_id,
                    region=st.settings.country_code)
    title = f"Conversation {h.id} ({CHANNEL_NAMES.get(h.channel, h.channel)})"
    casework.audit(st.sessions, info.worker, "export_" + kind, h.id)
    name = f"conversation-{h.id}.{'txt' if kind == 'text' else 'pdf'}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "text":
        from bot.transcript import as_text

        return Response(as_text(tr, title), media_type="text/plain; charset=utf-8",
                        headers=headers)
    return Response(casework.as_pdf(tr, title), media_type="application/pdf", headers=headers)


@router.get("/{hid}/export.txt")
def export_text(request: Request, hid: int, info: SessionInfo = Depends(current)) -> Response:
    """The transcript as text for case records (audited)."""
    return _export(request, hid, info, "text")


@router.get("/{hid}/export.pdf")
def export_pdf(request: Request, hid: int, info: SessionInfo = Depends(current)) -> Response:
    """The transcript as PDF for case records (audited)."""
    return _export(request, hid, info, "pdf")
