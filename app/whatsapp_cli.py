"""``navigator whatsapp check``: what a charity sets in Twilio's console to connect a WhatsApp
sender, and what is still missing here (README, "WhatsApp"). Reads the settings only; touches no
network."""
from __future__ import annotations

from typing import Any, List

from bot.settings import get_settings


def check_lines() -> List[str]:
    """The report, line by line; the first says whether WhatsApp is ready."""
    s = get_settings()
    missing = [name for name, value in (
        ("TWILIO_ACCOUNT_SID", s.sms.account_sid), ("TWILIO_AUTH_TOKEN", s.sms.auth_token),
        ("TWILIO_NUMBER", s.sms.number), ("SMS_PUBLIC_URL", s.sms.public_url),
        ("TWILIO_WHATSAPP_NUMBER", s.whatsapp.number)) if not value]
    base = s.sms.public_url.rstrip("/") or "https://<your host>"
    lines = ["WhatsApp is ready." if not missing else
             "WhatsApp is off: set " + ", ".join(missing) + "."]
    lines += ["In Twilio's console, for the WhatsApp sender "
              f"{s.whatsapp.number or '(whatsapp:+…)'}:",
              f"  When a message comes in (POST): {base}/webhooks/whatsapp/webhook",
              f"  Status callback URL (POST):     {base}/webhooks/whatsapp/status"]
    if s.whatsapp.template_sid:
        lines.append(f"Outside the 24-hour window: template {s.whatsapp.template_sid}.")
    else:
        lines.append("No TWILIO_WHATSAPP_TEMPLATE_SID: messages outside the 24-hour window "
                     "(a youth worker's late reply, a check-in) will not be sent.")
    return lines


def cmd_check(_args: Any) -> int:
    """Print the report; 0 when WhatsApp is ready, 1 when something is missing."""
    lines = check_lines()
    print("\n".join(lines))
    return 0 if lines[0] == "WhatsApp is ready." else 1


def register_cli(subparsers: Any) -> None:
    """Add ``navigator whatsapp check``."""
    wa = subparsers.add_parser("whatsapp", help="WhatsApp through Twilio: how to connect it")
    sub = wa.add_subparsers(dest="whatsapp_command", required=True)
    sub.add_parser("check", help="what to set in Twilio, and what is missing here"
                   ).set_defaults(func=cmd_check)
