"""Is a message a crisis? Two tiers, and the kind of risk.

* **urgent**: risk to life or serious harm now. Crisis support at once: the emergency number,
  the helplines for the kind of risk, an urgent handoff and a safeguarding alert.
* **concern**: real risk, not clearly immediate. A short, warm "are you safe right now?" with
  the one most fitting helpline; "no" makes it urgent, "yes" carries on.

How a message is judged (docs/safety.md):

1. ``normalise`` gives one or two canonical forms (zero-width characters, look-alike letters,
   "su1c1de", "kms", "diiie", SMS-speak).
2. **Explicit statements** (``lexicon.EXPLICIT``: "kill myself", "want to die", "he'll kill me
   if he finds me") make it urgent. Nothing cancels them; everyday-use rules are not applied.
3. The **trained detector** (``model.py``) gives P(crisis), P(urgent | crisis) and the kind.
   Urgent when P(crisis) >= ``URGENT_SCORE`` and P(urgent) >= ``URGENT_TIER``, or P(crisis) >=
   ``SURE_SCORE`` and P(urgent) >= ``SURE_TIER``; concern when P(crisis) >= ``CONCERN_SCORE``.
   The thresholds come from leave-one-writer-out cross-validation on the training corpus
   (bench/crisis_cv.py).
4. The kind: the detector's most likely crisis kind, kept within the family an explicit
   statement names; "sextortion" when an exploitation message is about images.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Tuple

from bot.safeguarding import lexicon
from bot.safeguarding.kinds import FAMILIES
from bot.safeguarding.model import Detector, Scores, get_detector
from bot.safeguarding.normalise import MAX_CHARS, normalise

URGENT, CONCERN = "urgent", "concern"
# Set from bench/crisis_cv.py (leave-one-writer-out on the training corpus): see docs/safety.md.
CONCERN_SCORE = 0.32
URGENT_SCORE = 0.50
URGENT_TIER = 0.40
SURE_SCORE = 0.80
SURE_TIER = 0.10
# CrisisGuard scales the model's other intents by this, so nothing reads the message as
# ambiguous; actions divide by it to recover the model's ranking (the need in a concern).
OTHER_INTENT_SCALE = 0.1
SECOND_KIND = 0.5  # a second kind is named when it is at least this share of the first
_EXPLICIT_KIND = {"suicide": "suicide", "self_harm": "self_harm", "overdose": "overdose",
                  "danger": "danger"}


@dataclass(frozen=True)
class Assessment:
    """The verdict on one message."""

    tier: Optional[str] = None  # URGENT, CONCERN or None
    kinds: Tuple[str, ...] = ()  # the kinds of risk, most fitting first
    score: float = 0.0  # P(crisis) from the trained detector
    explicit: bool = False  # an explicit statement was found

    @property
    def crisis(self) -> bool:
        """Urgent: crisis support now."""
        return self.tier == URGENT

    @property
    def concern(self) -> bool:
        """Concern: ask whether they are safe."""
        return self.tier == CONCERN

    @property
    def signal(self) -> bool:
        """Any risk (urgent or concern): never ignored, whatever the state."""
        return self.tier is not None

    @property
    def categories(self) -> Tuple[str, ...]:
        """The kinds (the name older callers use)."""
        return self.kinds


NONE = Assessment()


def _kinds(scores: Scores, explicit: Tuple[str, ...], text: str) -> Tuple[str, ...]:
    ranked = sorted(scores.kinds.items(), key=lambda kv: -kv[1])
    allowed = set()
    for cat in explicit:
        allowed.update(FAMILIES[_EXPLICIT_KIND[cat]])
    if allowed:
        ranked = [kv for kv in ranked if kv[0] in allowed] or ranked
    names = [k for k, _ in ranked[:2]]
    if set(names) == {"abuse_at_home", "partner_violence"}:
        partner, family = bool(lexicon.PARTNER.search(text)), bool(lexicon.FAMILY.search(text))
        if partner != family:  # the words say who: a partner, or family
            other = "abuse_at_home" if partner else "partner_violence"
            ranked = [kv for kv in ranked if kv[0] != other]
    top, p_top = ranked[0]
    kinds = [top]
    if len(ranked) > 1 and ranked[1][1] >= SECOND_KIND * p_top:
        kinds.append(ranked[1][0])
    if "exploitation" in kinds and "sextortion" in lexicon.hints(text):
        kinds[kinds.index("exploitation")] = "sextortion"
    return tuple(dict.fromkeys(kinds))


@lru_cache(maxsize=2048)
def assess(text: str) -> Assessment:
    """Check a message for risk to life, serious harm or abuse (pure; cached per text, so the
    gate, the NLU pipeline and the actions share one verdict per message)."""
    return evaluate(text, get_detector())


OVERLAP = 400  # characters two windows of a long message share (a sentence across the seam)
MAX_WINDOWS = 12  # a longer message is read at its start and its end, 6 windows each


def windows(text: str) -> Tuple[str, ...]:
    """``text`` as the pieces detection reads: itself, or for a message longer than
    ``MAX_CHARS`` (after whitespace is collapsed), overlapping windows covering it to the end
    ("...and tonight i'm going to end it" after 6,000 characters of context is read)."""
    collapsed = " ".join((text or "").split())
    if len(collapsed) <= MAX_CHARS:
        return (text or "",)
    last = len(collapsed) - MAX_CHARS
    starts = list(range(0, last, MAX_CHARS - OVERLAP)) + [last]
    if len(starts) > MAX_WINDOWS:
        starts = starts[:MAX_WINDOWS // 2] + starts[-(MAX_WINDOWS // 2):]
    return tuple(collapsed[i:i + MAX_CHARS] for i in starts)


_RANK = {URGENT: 2, CONCERN: 1, None: 0}


def evaluate(text: str, detector: Detector) -> Assessment:
    """:func:`assess` with a given detector (the cross-validation benchmark trains its own).
    A long message is read window by window; the most serious verdict stands."""
    pieces = windows(text)
    if len(pieces) == 1:
        return _evaluate(pieces[0], detector)
    return max((_evaluate(piece, detector) for piece in pieces),
               key=lambda a: (_RANK[a.tier], a.score))


def _evaluate(text: str, detector: Detector) -> Assessment:
    forms = normalise(text or "")
    if not forms[0].strip():
        return NONE
    explicit: Tuple[str, ...] = ()
    for form in forms:
        explicit += tuple(c for c in lexicon.explicit(form) if c not in explicit)
    scores = max((detector.score(form) for form in forms), key=lambda s: s.crisis)
    p, q = scores.crisis, scores.urgent
    if explicit or (p >= SURE_SCORE and q >= SURE_TIER) or (p >= URGENT_SCORE and q >= URGENT_TIER):
        tier: Optional[str] = URGENT
    elif p >= CONCERN_SCORE:
        tier = CONCERN
    else:
        return Assessment(None, (), p, False)
    return Assessment(tier, _kinds(scores, explicit, forms[0]), p, bool(explicit))


def stated_age(text: str) -> Optional[int]:
    """An age under 18 that a message states about its writer ("im 15", "14yo"), else None."""
    return lexicon.under_18_age(normalise(text or "")[0])
