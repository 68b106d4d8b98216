"""The local web chat's message fetch (``GET /chat/{sender_id}/messages``).

Rasa's REST channel answers only the message it was sent, so a worker's reply to a local chat
user waits in the outbox until the chat client asks for it here (``navigator chat`` polls).
The caller sends the REST channel's token (``Authorization: Bearer <NAVIGATOR_REST_TOKEN>``),
as it does to the REST channel itself: a sender id alone is not a password. Only REST-channel
messages are served.
"""
from __future__ import annotations


from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.console.web import state
from bot.keys import bearer_ok
from bot.handoff.outbox import fetch_for_chat

router = APIRouter()


@router.get("/chat/{sender_id}/messages")
def chat_messages(request: Request, sender_id: str) -> JSONResponse:
    """Worker messages waiting for a local web chat (REST channel) user, as JSON; each is
    returned once. Telegram and SMS users' messages are pushed and never served here."""
    token = state(request).settings.rest_token
    if not bearer_ok(request.headers.get("authorization"), token):
        return JSONResponse({"message": "the REST channel's token is required"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    if not 1 <= len(sender_id) <= 80:
        return JSONResponse({"message": "sender id must be 1-80 characters"}, status_code=422)
    return JSONResponse({"messages": fetch_for_chat(state(request).sessions, sender_id)})
