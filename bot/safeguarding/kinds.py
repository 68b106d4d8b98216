"""The kinds of risk the navigator recognises, what a youth worker sees for each, and how the
lexicon's older categories map onto them."""
from __future__ import annotations

from typing import Dict, Tuple

# kind -> what the youth worker's queue shows
KINDS: Dict[str, str] = {
    "suicidal_ideation": "suicidal thoughts",
    "suicide_plan": "suicide plan or means",
    "self_harm": "self-harm",
    "medical_emergency": "overdose or medical emergency",
    "abuse_at_home": "abuse at home",
    "partner_violence": "partner violence or control",
    "exploitation": "exploitation or grooming",
    "sextortion": "sextortion or shared images",
    "danger_from_others": "danger from someone",
    "sexual_assault": "sexual assault",
    "unsafe_homelessness": "unsafe tonight, nowhere to sleep",
    "eating_disorder": "eating disorder, physical danger",
    "forced_marriage": "forced marriage or FGM",
}
# The kinds the trained detector tells apart (sextortion is read from the words: it is a kind of
# exploitation with its own route to help).
MODEL_KINDS: Tuple[str, ...] = tuple(k for k in KINDS if k != "sextortion")

# Each lexicon category (bot/safeguarding/lexicon.py) is one of these kinds; when the model
# names a kind in the same family, the model's finer kind is used.
FAMILIES: Dict[str, Tuple[str, ...]] = {
    "suicide": ("suicidal_ideation", "suicide_plan"),
    "self_harm": ("self_harm",),
    "overdose": ("medical_emergency",),
    "abuse": ("abuse_at_home", "partner_violence", "exploitation", "sextortion",
              "sexual_assault", "forced_marriage"),
    "danger": ("danger_from_others", "partner_violence", "abuse_at_home"),
    "eating": ("eating_disorder",),
    "homeless": ("unsafe_homelessness",),
    "exploitation": ("exploitation", "sextortion"),
    "sexual_assault": ("sexual_assault",),
    "forced_marriage": ("forced_marriage",),
}


def label(kind: str) -> str:
    """What a youth worker reads for ``kind`` ("risk" for an unknown one)."""
    return KINDS.get(kind, "risk")


def labels(kinds: Tuple[str, ...] | str) -> str:
    """Comma-separated labels for a tuple of kinds or a stored comma-separated string."""
    items = kinds.split(",") if isinstance(kinds, str) else kinds
    return ", ".join(label(k.strip()) for k in items if k and k.strip()) or "risk"
