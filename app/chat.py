"""A terminal chat client for the Rasa REST channel (``navigator chat``)."""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Optional, TextIO


def send(rasa_url: str, sender: str, message: str, timeout: float = 30.0,
         token: str = "") -> List[Dict[str, Any]]:
    """Send one message through the REST channel (``token``: ``NAVIGATOR_REST_TOKEN``, which
    the channel requires); the bot's replies."""
    body = {"sender": sender, "message": message}
    req = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook",
                                 data=json.dumps(body).encode("utf-8"),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token}"}, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8") or "[]")


def render(replies: List[Dict[str, Any]], out: TextIO) -> List[Dict[str, Any]]:
    """Print replies; return the buttons offered (numbered from 1)."""
    buttons: List[Dict[str, Any]] = []
    for r in replies:
        if r.get("text"):
            out.write("\nBot: " + r["text"].replace("\n", "\n     ") + "\n")
        for b in r.get("buttons") or []:
            buttons.append(b)
            out.write(f"     [{len(buttons)}] {b.get('title')}\n")
        custom = r.get("custom") if isinstance(r.get("custom"), dict) else {}
        if isinstance(custom.get("navigator_export"), dict):
            lines = len(custom["navigator_export"].get("conversation") or [])
            out.write(f"     [a copy of your data came with this: {lines} lines of "
                      f"conversation; a chat app offers it as a file]\n")
    return buttons


def worker_messages(console_url: str, sender: str, timeout: float = 3.0,
                    token: str = "") -> List[str]:
    """A youth worker's replies waiting for this chat (the console keeps them until fetched;
    it asks for the REST token too); [] when the console is not running."""
    req = urllib.request.Request(f"{console_url}/chat/{sender}/messages",
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = json.loads(resp.read().decode("utf-8") or "{}")
    except (urllib.error.URLError, OSError, ValueError):
        return []
    return [m.get("text") or "" for m in data.get("messages") or [] if isinstance(m, dict)]


def chat(rasa_url: str, sender: Optional[str] = None, inp: TextIO = sys.stdin,
         out: TextIO = sys.stdout, console_url: Optional[str] = None, token: str = "") -> int:
    """Read lines, send them, print answers. A number picks a button. Ctrl-D/"/quit" ends.
    With ``console_url``, a youth worker's replies are shown too (press Enter to check).
    ``token``: the REST channel's (``NAVIGATOR_REST_TOKEN``)."""
    sender = sender or f"local-{uuid.uuid4().hex[:12]}"
    out.write("Chat with the youth pathway navigator. Type /quit to leave.\n")
    buttons: List[Dict[str, Any]] = []
    while True:
        for text in (worker_messages(console_url, sender, token=token) if console_url
                     else ()):
            out.write("\nYouth worker: " + text.replace("\n", "\n              ") + "\n")
        out.write("\nYou: ")
        out.flush()
        line = inp.readline()
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            return 0
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            buttons = render(send(rasa_url, sender, text, token=token), out)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            out.write(f"\n[could not reach the navigator: {exc}]\n")
