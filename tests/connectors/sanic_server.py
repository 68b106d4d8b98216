"""Serve Rasa input channels on a real Sanic server in a background thread, as Rasa mounts
them (``rasa.core.channels.channel.register``), so tests post real HTTP and background turns
run on the server's own event loop."""
from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from typing import Any, List

from rasa.core.channels.channel import InputChannel, register
from sanic import Sanic


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """Start with ``with LiveServer(channels, on_new_message) as url: ...``."""

    def __init__(self, channels: List[InputChannel], agent: Any) -> None:
        """``agent`` is what Rasa's handler calls: ``await agent.handle_message(message)``."""
        Sanic.test_mode = True  # lets several apps start in one process (Sanic TouchUp)
        self.app = Sanic(f"t{uuid.uuid4().hex[:12]}")
        self.app.ctx.agent = agent
        register(channels, self.app, route="/webhooks/")
        self.port = _free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.ready = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False))
        self.loop.run_until_complete(server.startup())
        self.loop.run_until_complete(server.before_start())  # as `rasa run` does
        self.loop.run_until_complete(server.after_start())
        self.server = server
        self.ready.set()
        self.loop.run_forever()

    def call(self, coro) -> Any:
        """Run a coroutine on the server's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def __enter__(self) -> str:
        self.thread.start()
        assert self.ready.wait(20), "sanic did not start"
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: Any) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()
        try:
            self.call(stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
