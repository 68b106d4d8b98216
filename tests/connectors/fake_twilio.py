"""Twilio's side, faked for tests (no network): request signing exactly as Twilio signs, and a
REST API that records ``Messages.json`` creates and answers with Twilio's real Message JSON.

* ``RecordingHttpClient``: a ``twilio.http.HttpClient`` for in-process tests;
* ``FakeTwilioServer``: the same over real HTTP on a free port, for the running servers (e2e).
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode

from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "f" * 32
TWILIO_NUMBER = "+447700900000"
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
_ONE = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages/(SM[0-9a-f]{32})\.json$")


def signed(url: str, params: Dict[str, str], token: str = AUTH_TOKEN) -> Tuple[str, dict]:
    """The form body and headers Twilio would send to ``url`` with ``params``."""
    signature = RequestValidator(token).compute_signature(url, params)
    return urlencode(params), {"X-Twilio-Signature": signature,
                               "Content-Type": "application/x-www-form-urlencoded"}


def inbound(to: str = TWILIO_NUMBER, **fields: str) -> Dict[str, str]:
    """The parameters of a real inbound SMS webhook (blank ones included, as Twilio sends)."""
    params = {"ToCountry": "GB", "ToState": "", "SmsMessageSid": fields.get("MessageSid", ""),
              "NumMedia": "0", "ToCity": "", "FromZip": "", "SmsSid": fields.get("MessageSid", ""),
              "FromState": "", "SmsStatus": "received", "FromCity": "", "FromCountry": "GB",
              "To": to, "ToZip": "", "NumSegments": "1", "MessagingServiceSid": "",
              "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01"}
    params.update(fields)
    return params


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def message_json(account_sid: str, to: str, from_: str, body: str) -> dict:
    """The Message resource Twilio returns (201) for a create."""
    sid = new_sid()
    now = format_datetime(datetime.now(timezone.utc), usegmt=True).replace("GMT", "+0000")
    base = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {"account_sid": account_sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": from_, "messaging_service_sid": None, "num_media": "0", "num_segments": "1",
            "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": base + "/Media.json",
                                 "feedback": base + "/Feedback.json"},
            "to": to, "uri": base + ".json"}


def error_json(code: int, status: int, message: str) -> dict:
    return {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}


class RecordingHttpClient(HttpClient):
    """Records every request; answers Messages.json creates like Twilio. ``fail`` maps a
    destination number to (http status, Twilio error code) to answer with instead."""

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)
        self.requests: List[dict] = []
        self.fail: Dict[str, Tuple[int, int]] = {}
        self.lock = threading.Lock()
        self.log: Dict[str, dict] = {}  # Twilio's message log: sid -> Message resource

    def received(self, from_: str, body: str, to: str = TWILIO_NUMBER) -> None:
        """An inbound message in Twilio's log (as a real inbound SMS would leave)."""
        msg = message_json(ACCOUNT_SID, to, from_, body)
        msg["direction"], msg["status"] = "inbound", "received"
        self.log[msg["sid"]] = msg

    def request(self, method: str, url: str, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False) -> Response:
        data = dict(data or {})
        with self.lock:
            self.requests.append({"method": method, "url": url, "data": data, "auth": auth,
                                  "params": dict(params or {})})
        path = url.split("api.twilio.com", 1)[-1]
        m, one = _PATH.match(path), _ONE.match(path)
        if method == "GET" and m:  # the list, filtered by To / From, one page
            query = dict(params or {})
            found = [msg for msg in self.log.values()
                     if all(msg[k.lower()] == v for k, v in query.items() if k in ("To", "From"))]
            return Response(200, json.dumps({
                "messages": found, "page": 0, "page_size": 50, "start": 0, "end": len(found),
                "first_page_uri": path, "next_page_uri": None, "previous_page_uri": None,
                "uri": path}))
        if method == "POST" and one:  # an update: Body "" redacts the message's text
            msg = self.log.get(one.group(2))
            if msg is None:
                return Response(404, json.dumps(error_json(20404, 404, "not found")))
            if "Body" in data:
                msg["body"] = data["Body"]
            return Response(200, json.dumps(msg))
        if method != "POST" or not m:
            return Response(404, json.dumps(error_json(20404, 404, "not found")))
        if data.get("To") in self.fail:
            status, code = self.fail[data["To"]]
            return Response(status, json.dumps(error_json(code, status, "refused")))
        # a template (WhatsApp outside its 24-hour window) has ContentSid, no Body
        msg = message_json(m.group(1), data["To"], data["From"], data.get("Body", ""))
        self.log[msg["sid"]] = msg
        return Response(201, json.dumps(msg))

    @property
    def sent(self) -> List[dict]:
        """The messages created (sent), in order."""
        return [r["data"] for r in self.requests
                if r["method"] == "POST" and _PATH.match(r["url"].split("api.twilio.com", 1)[-1])]


class FakeTwilioServer:
    """Twilio's REST API on 127.0.0.1 (a thread): records messages, checks basic auth."""

    def __init__(self, account_sid: str = ACCOUNT_SID, token: str = AUTH_TOKEN) -> None:
        self.messages: List[dict] = []
        self.lock = threading.Lock()
        expected = "Basic " + base64.b64encode(f"{account_sid}:{token}".encode()).decode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(),
                                                      keep_blank_values=True).items()}
                m = _PATH.match(self.path)
                if self.headers.get("Authorization") != expected:
                    return self._answer(401, error_json(20003, 401, "Authenticate"))
                if not m or m.group(1) != account_sid:
                    return self._answer(404, error_json(20404, 404, "not found"))
                with outer.lock:
                    outer.messages.append(form)
                self._answer(201, message_json(account_sid, form["To"], form["From"],
                                               form.get("Body", "")))

            def _answer(self, status: int, payload: dict) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self, to: Optional[str] = None) -> List[str]:
        with self.lock:
            return [m.get("Body", "") for m in self.messages if to is None or m["To"] == to]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
