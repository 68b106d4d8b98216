"""Safeguarding: crisis detection (two tiers, kinds of risk), helplines that fit the risk, and
the texts of the crisis replies. Pure Python; the channels and actions wire it in."""
from bot.safeguarding.detect import CONCERN, URGENT, Assessment, assess, stated_age
from bot.safeguarding.helplines import concern_line, region_help, urgent_text

__all__ = ["CONCERN", "URGENT", "Assessment", "assess", "concern_line", "region_help",
           "stated_age", "urgent_text"]
