"""Delivery reports for outbound SMS: the latest status per message, and which Twilio error
codes mean the number cannot be reached (so nothing more is sent to it). Blocking
(SQLAlchemy); async callers run these in a worker thread."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import sessionmaker

from bot.channels.models import SmsStatus

# Twilio error codes that will not go away by trying again (twilio.com/docs/api/errors).
PERMANENT_ERRORS = {
    "21211": "invalid number",
    "21610": "opted out at carrier",
    "21612": "number not reachable from this sender",
    "21614": "not a mobile number",
    "30005": "unknown handset",
    "30006": "landline or unreachable carrier",
}
FINAL = {"delivered", "undelivered", "failed", "read", "canceled"}


def permanent_failure(error_code: Optional[str]) -> Optional[str]:
    """A short reason when ``error_code`` means the number is unreachable for good, else None."""
    code = str(error_code or "").strip()
    return f"{code} {PERMANENT_ERRORS[code]}" if code in PERMANENT_ERRORS else None


def record_status(sessions: sessionmaker, message_sid: str, sender_id: str, status: str,
                  error_code: Optional[str] = None) -> None:
    """Keep the latest status of one message; a late "sent" never overwrites "delivered"."""
    status = (status or "unknown").lower()[:16]
    with sessions() as s, s.begin():
        row = s.get(SmsStatus, message_sid[:64])
        if row is None:
            s.add(SmsStatus(message_sid=message_sid[:64], sender_id=sender_id[:80],
                            status=status, error_code=(error_code or None) and error_code[:8]))
            return
        if row.status in FINAL and status not in FINAL:
            return
        row.status = status
        if error_code:
            row.error_code = error_code[:8]


def get_status(sessions: sessionmaker, message_sid: str) -> Optional[SmsStatus]:
    """The stored status row (detached), or None."""
    with sessions() as s:
        row = s.get(SmsStatus, message_sid)
        if row is not None:
            s.expunge(row)
        return row
