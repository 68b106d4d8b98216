"""Delivery reports: latest status kept, permanent Twilio errors recognised."""
from bot.channels.deliveries import get_status, permanent_failure, record_status


def test_permanent_failures():
    assert permanent_failure("21610").startswith("21610") and permanent_failure(30005)
    assert permanent_failure("30003") is None and permanent_failure(None) is None


def test_final_status_is_not_overwritten(sessions):
    record_status(sessions, "SM1", "sms-1", "queued")
    record_status(sessions, "SM1", "sms-1", "delivered")
    record_status(sessions, "SM1", "sms-1", "sent")
    assert get_status(sessions, "SM1").status == "delivered"
    record_status(sessions, "SM2", "sms-1", "undelivered", "30003")
    assert get_status(sessions, "SM2").error_code == "30003" and get_status(sessions, "x") is None
