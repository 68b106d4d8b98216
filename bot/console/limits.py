"""A cap on request bodies for the console (uvicorn and Starlette have none): 413 before the
body is read when ``Content-Length`` says too much, and as soon as a streamed body passes the
cap. Every console form is a few KB; nothing is uploaded."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse

MAX_BODY = 1024 * 1024

Message = Dict[str, Any]


class _TooLarge(HTTPException):
    """An HTTPException, so the framework's body parsing passes it on (not as a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request is too large (over {limit} bytes).")


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes with 413."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Message, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        received, started = 0, False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body") or b"")
                if received > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Message, receive: Callable[[], Awaitable[Message]],
                      send: Callable[[Message], Awaitable[None]]) -> None:
        reply = PlainTextResponse(f"The request is too large (over {self.limit} bytes).",
                                  status_code=413, headers={"Connection": "close"})
        await reply(scope, receive, send)
