"""Real headless Chromium (Debian's ``chromium`` package, driven by Playwright) against the
console served by uvicorn in a thread. Playwright never downloads a browser here."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from typing import Any, Optional

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_missing() -> Optional[str]:
    """Why browser tests cannot run here, or None when they can."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return (f"Debian chromium not installed at {CHROMIUM} (make test installs it with "
                "apt-get when apt is available)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e .[test])"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConsoleServer:
    """``with ConsoleServer(app) as url:`` serves the app with uvicorn on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                ws="none", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        end = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < end, "console server did not start"
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, nothing fetched from the network by the browser itself."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
