"""What the young person reads when a message signals risk: urgent support and the concern
tier's safety check, worded for the kind of risk (helplines from ``helplines.py``)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from bot.safeguarding.helplines import concern_line, region_help, urgent_text

_OPENINGS: Dict[str, str] = {
    "suicidal_ideation": "I'm really glad you told me. You matter, and you deserve support "
                         "right now.",
    "suicide_plan": "I'm really glad you told me. You matter, and you deserve support right "
                    "now.",
    "self_harm": "Thank you for telling me. You deserve care, not judgement.",
    "medical_emergency": "Please get help straight away.",
    "eating_disorder": "Thank you for telling me. Your body needs care right now.",
    "unsafe_homelessness": "Thank you for telling me. You deserve somewhere safe tonight.",
    "sexual_assault": "Thank you for telling me. What happened is not your fault.",
    "sextortion": "Thank you for telling me. This is not your fault, and it can be stopped.",
}
_DEFAULT_OPENING = "Thank you for telling me. None of this is your fault, and you deserve to be safe."
SAFE_BUTTON, UNSAFE_BUTTON = "Yes, I'm safe", "No, I'm not safe"
CHECK_QUESTION = "Are you safe right now?"


def urgent_reply(region: str, kinds: Sequence[str] = (), age: Optional[int] = None) -> List[str]:
    """Urgent crisis support, as separate messages: a warm opening, then the emergency number
    and the helplines that fit the kind of risk and the person's age."""
    kind = kinds[0] if kinds else None
    return [_OPENINGS.get(kind or "", _DEFAULT_OPENING), urgent_text(region, kinds, age)]


def concern_reply(region: str, kinds: Sequence[str] = (), age: Optional[int] = None) -> str:
    """The concern tier: a short, warm safety check with the one most fitting line."""
    line = concern_line(region, kinds, age)
    talk = f"\nIf you'd like to talk to someone:\n{line}" if line else ""
    return f"Thank you for telling me. {CHECK_QUESTION}{talk}"


def concern_sms(region: str, kinds: Sequence[str] = (), age: Optional[int] = None) -> str:
    """The concern check for a channel without buttons (reply YES or NO)."""
    return concern_reply(region, kinds, age).replace(
        CHECK_QUESTION, f"{CHECK_QUESTION} Reply YES or NO.")


def safe_reply() -> str:
    """The answer "yes, I'm safe"."""
    return "Thank you for letting me know. If that changes, tell me any time."


def lapsed_reminder(region: str) -> str:
    """One line for whoever did not answer the check but wrote something else."""
    return f"If you're not safe at any point, tell me, or call {region_help(region).emergency}."
