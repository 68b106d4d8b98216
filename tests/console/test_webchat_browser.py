"""The web chat in real headless Chromium (Debian's, through Playwright): a charity's page with
the one-line widget, a conversation with buttons, a crisis reply, a youth worker's reply through
the handoff, the quick exit (button and Escape) that leaves no page behind in the history, at
320 px wide, and an axe-core accessibility check. Screenshots go to docs/screenshots/ with
`make screenshots`."""
from __future__ import annotations

import http.server
import os
import tempfile
import threading
from pathlib import Path

import pytest

from bot.accounts import accounts
from bot.handoff import handoff
from bot.keys import Keys
from bot.settings import get_settings
from connectors.webchat.channel import WebChatInput
from tests.connectors.sanic_server import LiveServer
from tests.console.browser_support import chromium_missing, free_port, launch

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))]
SHOTS = Path(os.environ.get("NAVIGATOR_SCREENSHOTS") or tempfile.mkdtemp(prefix="shots-"))
EXIT = "https://www.bbc.co.uk/weather"
KEYS = Keys("b" * 40)


class Bot:
    """A scripted dialogue behind the real channel: a greeting menu, results, crisis support."""

    def __init__(self) -> None:
        self.senders = []

    async def handle_message(self, message):
        self.senders.append(message.sender_id)
        out, text = message.output_channel, message.text
        if "kill myself" in text:
            await out.send_text_message(message.sender_id, "I'm really glad you told me. "
                                        "Please call 999 now if you're in danger, or Samaritans "
                                        "on 116 123, any time.")
        elif text == "/need_food":
            await out.send_text_message(message.sender_id, "Food help near Leeds:\n"
                                        "1. Leeds Food Aid - open now")
        else:
            await out.send_text_with_buttons(message.sender_id, "What do you need help with?", [
                {"title": "Somewhere to stay", "payload": "/need_housing"},
                {"title": "Food", "payload": "/need_food"}])


class CharitySite:
    """The charity's own page, on another origin, with the widget's one line."""

    def __init__(self, chat_base: str, port: int) -> None:
        page = (f'<!doctype html><html lang="en"><head><title>Youth charity</title></head>'
                f'<body><h1>Youth charity</h1><p>We help young people.</p>'
                f'<script src="{chat_base}/widget.js" data-exit-url="{EXIT}" defer></script>'
                f'</body></html>').encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args) -> None:
                pass

        self.port = port
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.port}/"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def rig(sessions, monkeypatch):
    site_port = free_port()
    monkeypatch.setenv("NAVIGATOR_DUTY_HOURS", "always")
    monkeypatch.setenv("NAVIGATOR_WEBCHAT_ORIGINS", f"http://127.0.0.1:{site_port}")
    get_settings.cache_clear()
    bot = Bot()
    with LiveServer([WebChatInput(sessions=sessions, keys=KEYS)], bot) as url:
        base = url + "/webhooks/webchat"
        with CharitySite(base, site_port) as page_url:
            yield base, page_url, bot
    get_settings.cache_clear()


def _open(chromium, page_url: str, width: int = 320):
    context = chromium.new_context(viewport={"width": width, "height": 720})
    page = context.new_page()
    page.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"))
    page.goto(page_url)
    page.click("#navigator-chat-open")
    frame = page.frame_locator("#navigator-chat-frame")
    frame.locator("#text").wait_for()
    return context, page, frame


def test_a_conversation_with_buttons_a_crisis_and_a_youth_workers_reply(chromium, rig,
                                                                        sessions):
    base, page_url, bot = rig
    context, page, frame = _open(chromium, page_url)
    try:
        frame.locator("#text").fill("hi, I need some help")
        frame.locator("#text").press("Enter")
        frame.get_by_role("button", name="Food").click()
        frame.locator(".msg.bot", has_text="Leeds Food Aid").wait_for()
        frame.locator("#text").fill("i want to kill myself")
        frame.get_by_role("button", name="Send").click()
        frame.locator(".msg.bot", has_text="999").wait_for()
        page.screenshot(path=str(SHOTS / "webchat.png"))
        # one chat, one session: a first message typed before the page's session request
        # finished waits for it (two sessions would split the chat, and the worker's reply
        # would go to the other one)
        assert len(set(bot.senders)) == 1, bot.senders
        # a youth worker takes the conversation and replies: it appears in the chat
        sender = bot.senders[0]
        h = handoff.request_handoff(sessions, sender, "webchat", "request",
                                    default_org="default")
        jo = accounts.add_worker(sessions, "jo@example.org", "correct horse battery staple",
                                 "default", display_name="Jo")
        handoff.claim(sessions, h.id, jo)
        handoff.worker_reply(sessions, h.id, jo, "Hi, it's Jo from the hub. I'm here.")
        frame.locator(".msg.worker", has_text="it's Jo").wait_for(timeout=15000)
        # nothing of the chat is kept in the browser's storage
        storage = page.frame(url=lambda u: u.endswith("/chat")).evaluate(
            "() => [localStorage.length, sessionStorage.length, document.cookie]")
        assert storage == [0, 0, ""]
    finally:
        context.close()


@pytest.mark.parametrize("how", ["button", "escape in the chat", "escape on the page"])
def test_leave_this_site_quickly_replaces_the_page(chromium, rig, how):
    _, page_url, _ = rig
    context, page, frame = _open(chromium, page_url)
    try:
        entries = page.evaluate("history.length")
        with page.expect_navigation(url=EXIT):
            if how == "button":
                frame.get_by_role("button", name="Leave this site quickly").click()
            elif how == "escape in the chat":
                frame.locator("#text").press("Escape")
            else:
                page.keyboard.press("Escape")
        assert page.url == EXIT
        assert page.evaluate("history.length") == entries  # replaced, not added
        page.go_back()
        assert page.url != page_url  # Back does not return to the charity's page
    finally:
        context.close()


def test_usable_at_320_px_and_no_serious_accessibility_violations(chromium, rig):
    from axe_playwright_python.sync_playwright import Axe

    base, page_url, _ = rig
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(base + "/chat")
        page.locator("#text").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"the chat scrolls sideways at 320 px ({width} px wide)"
        page.keyboard.press("Tab")  # keyboard only: the first stop is the quick exit
        assert page.evaluate("document.activeElement.id") == "exit"
        results = Axe().run(page)
        serious = [v for v in results.response["violations"]
                   if v.get("impact") in ("serious", "critical")]
        assert not serious, [(v["id"], v["help"]) for v in serious]
        page.screenshot(path=str(SHOTS / "webchat-320.png"), full_page=True)
    finally:
        context.close()

