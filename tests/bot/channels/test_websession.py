"""Web chat sessions (bot/channels/websession.py): issued by the server, signed, expiring."""
from __future__ import annotations

from bot.channels import websession

KEY = b"k" * 32


def test_an_issued_session_verifies_until_it_expires():
    s = websession.issue(KEY, 3600, now=1_000_000)
    assert s.sender_id.startswith("web-") and len(s.sender_id) == 36
    assert websession.verify(KEY, s.token, now=1_000_000 + 3599) == s.sender_id
    assert websession.verify(KEY, s.token, now=1_000_000 + 3600) is None
    assert websession.issue(KEY, 3600).sender_id != websession.issue(KEY, 3600).sender_id


def test_tokens_made_up_altered_or_signed_elsewhere_are_refused():
    s = websession.issue(KEY, 3600)
    sender, expiry, sig = s.token.split(".")
    later = f"{sender}.{int(expiry) + 10_000:010d}.{sig}"  # a longer life, same signature
    other = f"web-{'f' * 32}.{expiry}.{sig}"  # someone else's id, same signature
    for bad in (later, other, s.token + "x", "", None, "web-x.1.y",
                websession.issue(b"q" * 32, 3600).token):
        assert websession.verify(KEY, bad) is None
