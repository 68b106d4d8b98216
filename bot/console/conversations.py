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

from bot.accounts import accounts
from bot.handoff import casework
from bot.channels import contacts
from bot.handoff import handoff
from bot.accounts.accounts import SessionInfo
from bot.safeguarding.kinds import labels as risk_labels
from bot.console.web import FormPost, current, form_post, render, see_other, state
from bot.handoff.outbox import delivery_states
from bot.masking import mask
from bot.handoff.transcript import Transcript, transcript

router = APIRouter(prefix="/handoffs")
CHANNEL_NAMES = {"telegram": "Telegram", "sms": "SMS", "whatsapp": "WhatsApp",
                 "webchat": "Web chat", "rest": "Local web chat"}
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
    if h.channel in ("rest", "webchat"):
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
               peer=_peer(info), risk=risk_labels(h.risk) if h.risk else "",
               window=_whatsapp_window(request, h))
    return render(request, "conversation.html", ctx)


def _whatsapp_window(request: Request, h) -> str:
    """On WhatsApp, whether a free-form reply can still go out (the 24-hour window after the
    person's latest message); "" on other channels."""
    if h.channel != "whatsapp":
        return ""
    st = state(request)
    closes = contacts.window_closes_at(st.sessions, h.sender_id)
    if closes is not None and closes > datetime.now(timezone.utc):
        return f"WhatsApp: free-form replies until {closes:%d %b %H:%M} UTC."
    if st.settings.whatsapp.template_sid:
        return ("WhatsApp's 24-hour window has closed: your reply goes inside the approved "
                "template until the young person writes again.")
    return ("WhatsApp's 24-hour window has closed and no template is set up "
            "(TWILIO_WHATSAPP_TEMPLATE_SID): a reply cannot reach the young person until they "
            "write again, and shows as not delivered.")


@router.get("/{hid}/turns", response_class=HTMLResponse)
def turns(request: Request, hid: int, info: SessionInfo = Depends(current)) -> HTMLResponse:
    """Only the transcript, for the periodic refresh."""
    h = handoff.get_handoff(state(request).sessions, hid, info.worker)
    return render(request, "_turns.html", _turns(request, info, h))


def _back(hid: int) -> Response:
    return see_other(f"/handoffs/{hid}")


@router.post("/{hid}/claim")
def claim(hid: int, take_over: str = Form(""), post: FormPost = Depends(form_post)) -> Response:
    """Take the conversation (or take it over from a colleague)."""
    h = handoff.claim(post.st.sessions, hid, post.worker, take_over=take_over == "yes")
    post.audit("claim", h.id)
    return _back(hid)


@router.post("/{hid}/assign")
def assign(hid: int, worker_id: int = Form(...),
           post: FormPost = Depends(form_post)) -> Response:
    """Give the conversation to a colleague."""
    h = handoff.assign(post.st.sessions, hid, post.worker, worker_id)
    post.audit("assign", h.id, f"to worker {worker_id}")
    return _back(hid)


@router.post("/{hid}/reply")
def reply(hid: int, text: str = Form(""), post: FormPost = Depends(form_post)) -> Response:
    """Store the reply, queue it for the user's channel and wake the outbox."""
    handoff.worker_reply(post.st.sessions, hid, post.worker, text)
    post.audit("reply", hid)
    post.st.outbox.wake()
    return _back(hid)


@router.post("/{hid}/notes")
def note(hid: int, text: str = Form(""), post: FormPost = Depends(form_post)) -> Response:
    """Add a private note."""
    casework.add_note(post.st.sessions, hid, post.worker, text)
    post.audit("note", hid)
    return _back(hid)


@router.post("/{hid}/tags")
def tag(hid: int, tag: str = Form(""), remove: str = Form(""),
        post: FormPost = Depends(form_post)) -> Response:
    """Add a tag (or remove one)."""
    value = casework.set_tag(post.st.sessions, hid, post.worker, tag, present=remove != "yes")
    post.audit("tag", hid, ("-" if remove == "yes" else "+") + value)
    return _back(hid)


@router.post("/{hid}/hand-back")
def hand_back(hid: int, post: FormPost = Depends(form_post)) -> Response:
    """The bot takes over again; the user is told."""
    handoff.hand_back(post.st.sessions, hid, post.worker)
    post.audit("hand_back", hid)
    post.st.outbox.wake()
    return _back(hid)


@router.post("/{hid}/resolve")
def resolve(hid: int, outcome: str = Form(""), post: FormPost = Depends(form_post)) -> Response:
    """Close with an outcome code; the bot takes over again."""
    handoff.resolve(post.st.sessions, hid, post.worker, outcome)
    post.audit("resolve", hid, outcome)
    post.st.outbox.wake()
    return _back(hid)


@router.post("/{hid}/to-workers")
def to_workers(hid: int, urgent: str = Form(""), post: FormPost = Depends(form_post)) -> Response:
    """Pass a peer chat to the youth workers (urgent: first in their queue)."""
    h = handoff.pass_to_workers(post.st.sessions, hid, post.worker, urgent=urgent == "yes")
    post.audit("assign", h.id, "to youth workers" + (", urgent" if urgent == "yes" else ""))
    return see_other("/") if _peer(post.info) else _back(hid)


def _no_peer_mentors(info: SessionInfo, what: str) -> None:
    if _peer(info):
        raise HTTPException(status_code=403, detail=f"Peer mentors cannot {what}.")


@router.post("/{hid}/step-in")
def step_in(hid: int, post: FormPost = Depends(form_post)) -> Response:
    """Take over a closed conversation again (a new handoff, claimed by this worker)."""
    _no_peer_mentors(post.info, "step in to a conversation")
    old = handoff.get_handoff(post.st.sessions, hid, post.worker)
    new = handoff.step_in(post.st.sessions, old.sender_id, post.worker)
    post.audit("step_in", new.id)
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
        from bot.handoff.transcript import as_text

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
