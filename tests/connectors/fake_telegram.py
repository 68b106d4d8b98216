"""A fake Telegram Bot API that speaks the real wire format, for tests without network.

``FakeTelegram`` answers ``getMe``, ``sendMessage``, ``sendDocument`` (a multipart/form-data
upload, parsed from the bytes on the wire), ``answerCallbackQuery``, the webhook methods and
``getUpdates`` the way api.telegram.org does (``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ...}``) and records every call. Use it in
process as a PTB ``BaseRequest`` (:class:`FakeRequest`) or over HTTP (:class:`FakeTelegramServer`)
so a separately started Rasa server can talk to it.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

import httpx
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Navigator",
            "username": "youth_navigator_bot", "can_join_groups": False,
            "can_read_all_group_messages": False, "supports_inline_queries": False}
MAX_UPLOAD = 50 * 1024 * 1024  # bots may upload files up to 50 MB
MAX_CAPTION = 1024
_TEXT_FIELDS = {"text", "caption", "parse_mode", "url", "secret_token", "callback_query_id"}


class FakeTelegram:
    """State and answers of the fake Bot API."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.blocked_chats: set = set()
        self.retry_after_once: Dict[str, int] = {}
        self.updates: List[dict] = []
        self.webhook: Dict[str, Any] = {"url": "", "has_custom_certificate": False,
                                        "pending_update_count": 0}
        self._next_id = 100
        self.lock = threading.Lock()

    def sent(self, method: str = "sendMessage") -> List[Dict[str, Any]]:
        with self.lock:
            return [p for m, p in self.calls if m == method]

    def wait_for(self, method: str, count: int, timeout: float = 20.0) -> List[Dict[str, Any]]:
        """Block until at least ``count`` calls of ``method`` were made."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.sent(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.sent(method)

    def answer(self, method: str, params: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        with self.lock:
            self.calls.append((method, params))
            if self.retry_after_once.pop(method, None) is not None:
                return 429, {"ok": False, "error_code": 429,
                             "description": "Too Many Requests: retry after 1",
                             "parameters": {"retry_after": 1}}
            if method == "getMe":
                return 200, {"ok": True, "result": BOT_USER}
            if method == "sendMessage":
                chat_id = int(params["chat_id"])
                if chat_id in self.blocked_chats:
                    return 403, {"ok": False, "error_code": 403,
                                 "description": "Forbidden: bot was blocked by the user"}
                self._next_id += 1
                return 200, {"ok": True, "result": {
                    "message_id": self._next_id, "date": int(time.time()), "from": BOT_USER,
                    "chat": {"id": chat_id, "type": "private", "first_name": "User"},
                    "text": params.get("text", "")}}
            if method == "sendDocument":
                return self._send_document(params)
            if method in ("answerCallbackQuery", "deleteWebhook"):
                if method == "deleteWebhook":
                    self.webhook["url"] = ""
                return 200, {"ok": True, "result": True}
            if method == "setWebhook":
                self.webhook["url"] = params.get("url", "")
                return 200, {"ok": True, "result": True}
            if method == "getWebhookInfo":
                return 200, {"ok": True, "result": dict(self.webhook)}
            if method == "getUpdates":
                offset = int(params.get("offset") or 0)
                ready = [u for u in self.updates if u["update_id"] >= offset]
                return 200, {"ok": True, "result": ready[:100]}
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _send_document(self, params: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        """``sendDocument``: ``document`` is an uploaded file part (or a file_id / URL)."""
        def bad(description: str, code: int = 400) -> Tuple[int, Dict[str, Any]]:
            return code, {"ok": False, "error_code": code, "description": description}

        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            return bad("Bad Request: chat_id is empty")
        doc = params.get("document")
        if not doc:
            return bad("Bad Request: there is no document in the request")
        if len(str(params.get("caption") or "")) > MAX_CAPTION:
            return bad("Bad Request: message caption is too long")
        if chat_id in self.blocked_chats:
            return bad("Forbidden: bot was blocked by the user", 403)
        if isinstance(doc, dict):
            if len(doc["content"]) > MAX_UPLOAD:
                return bad("Request Entity Too Large", 413)
            file_info = {"file_name": doc["filename"], "mime_type": doc["content_type"],
                         "file_size": len(doc["content"])}
        else:
            file_info = {"file_name": "document"}
        self._next_id += 1
        file_info.update({"file_id": f"BQACAgQAAx{self._next_id}",
                          "file_unique_id": f"AgAD{self._next_id}"})
        result = {"message_id": self._next_id, "date": int(time.time()), "from": BOT_USER,
                  "chat": {"id": chat_id, "type": "private", "first_name": "User"},
                  "document": file_info}
        if params.get("caption"):
            result["caption"] = params["caption"]
        return 200, {"ok": True, "result": result}


def parse_multipart(body: bytes, content_type: str) -> Dict[str, Any]:
    """A multipart/form-data body as Telegram reads it: plain fields as values (JSON where the
    Bot API sends JSON), file parts as ``{"filename", "content_type", "content": bytes}``."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise ValueError("multipart body without a boundary")
    delimiter = b"--" + m.group(1).encode("latin-1")
    params: Dict[str, Any] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if not name:
            continue
        if filename:
            params[name.group(1)] = {"filename": filename.group(1), "content": content,
                                     "content_type": headers.get("content-type", "")}
        else:
            params[name.group(1)] = _field(name.group(1), content.decode("utf-8"))
    return params


def _field(name: str, value: str) -> Any:
    return value if name in _TEXT_FIELDS else _decode(value)


class FakeRequest(BaseRequest):
    """PTB transport that hands every call to a :class:`FakeTelegram`."""

    def __init__(self, api: FakeTelegram) -> None:
        self.api = api

    @property
    def read_timeout(self) -> Optional[float]:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: Optional[RequestData] = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None,
                         pool_timeout=None) -> Tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            # Encoded exactly as PTB's HTTPX transport sends it, then read back like Telegram.
            wire = httpx.Request("POST", url, data=request_data.json_parameters,
                                 files=request_data.multipart_data)
            params = parse_multipart(wire.read(), wire.headers["Content-Type"])
        else:
            params = dict(request_data.parameters) if request_data else {}
        status, body = self.api.answer(url.rsplit("/", 1)[-1], params)
        return status, json.dumps(body).encode()


class FakeTelegramServer:
    """The fake on a local HTTP port: base URL ``http://127.0.0.1:PORT/bot``."""

    def __init__(self, api: Optional[FakeTelegram] = None) -> None:
        self.api = api or FakeTelegram()
        api_ref = self.api

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size)
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("multipart/form-data"):
                    params = parse_multipart(body, kind)
                elif "json" in kind:
                    params = json.loads(body.decode("utf-8") or "{}")
                else:
                    params = {k: _decode(v[0]) for k, v in parse_qs(body.decode("utf-8")).items()}
                status, body = api_ref.answer(self.path.rsplit("/", 1)[-1], params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/bot"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FakeTelegramServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


# -- real update payloads (shapes as Telegram sends them) ------------------------------------
USER = {"id": 123456789, "is_bot": False, "first_name": "Sam", "last_name": "Lee",
        "username": "samlee99", "language_code": "en"}
CHAT = {"id": 123456789, "first_name": "Sam", "last_name": "Lee", "username": "samlee99",
        "type": "private"}


def text_update(update_id: int, text: str, user: dict = USER, chat: dict = CHAT) -> dict:
    msg = {"message_id": update_id, "from": user, "chat": chat, "date": 1764500000, "text": text}
    if text.startswith("/"):
        msg["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": msg}


def location_update(update_id: int, lat: float, lon: float) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "from": USER, "chat": CHAT, "date": 1764500000,
        "location": {"latitude": lat, "longitude": lon}}}


def callback_update(update_id: int, data: str, message_text: str = "Pick one") -> dict:
    return {"update_id": update_id, "callback_query": {
        "id": f"cbq{update_id}", "from": USER, "chat_instance": "-123456",
        "data": data, "message": {"message_id": 55, "from": BOT_USER, "chat": CHAT,
                                  "date": 1764500000, "text": message_text}}}


def edited_update(update_id: int, text: str) -> dict:
    return {"update_id": update_id, "edited_message": {
        "message_id": 9, "from": USER, "chat": CHAT, "date": 1764500000,
        "edit_date": 1764500100, "text": text}}


def sticker_update(update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "from": USER, "chat": CHAT, "date": 1764500000,
        "sticker": {"file_id": "CAACAgIAAxkBAAIB", "file_unique_id": "AgADBAAD", "type": "regular",
                    "width": 512, "height": 512, "is_animated": False, "is_video": False,
                    "emoji": "😀", "set_name": "HotCherry"}}}


def blocked_update(update_id: int) -> dict:
    return {"update_id": update_id, "my_chat_member": {
        "chat": CHAT, "from": USER, "date": 1764500000,
        "old_chat_member": {"user": BOT_USER, "status": "member"},
        "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0}}}


def photo_update(update_id: int, caption: str = "") -> dict:
    """A photo message as the Bot API sends it (sizes, and a caption when there is one)."""
    message = {
        "message_id": update_id, "from": USER, "chat": CHAT, "date": 1764500000,
        "photo": [{"file_id": "AgACAgQAAxkBAAIC", "file_unique_id": "AQADc6sxG", "file_size": 1234,
                   "width": 90, "height": 67},
                  {"file_id": "AgACAgQAAxkBAAID", "file_unique_id": "AQADc6sxH",
                   "file_size": 23456, "width": 320, "height": 240}]}
    if caption:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}
