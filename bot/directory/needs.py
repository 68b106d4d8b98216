"""The navigator's open need vocabulary and need detection.

The vocabulary lives in ``resources/needs.yml`` (published as an HSDS taxonomy). Each NLU need
intent maps to one term; a message can raise several needs ("homeless and broke"), found from
the NLU intent ranking plus a small keyword lexicon, and ordered most urgent first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Iterable, List, Mapping, Optional, Sequence

import yaml


@dataclass(frozen=True)
class NeedTerm:
    """One term of the need vocabulary."""

    id: str
    code: str
    name: str
    description: str
    urgency: int  # 1 = most urgent
    parent: str = ""  # a sub-need's broader need ("sexual_health" -> "health"); "" for a need


@dataclass(frozen=True)
class NeedTaxonomy:
    """The taxonomy record and its terms."""

    id: str
    name: str
    description: str
    uri: str
    version: str
    terms: tuple

    def by_code(self) -> Mapping[str, NeedTerm]:
        """The terms by code (built once per vocabulary; read-only)."""
        return _by_code(self.terms)


@lru_cache(maxsize=4)
def _by_code(terms: tuple) -> Mapping[str, NeedTerm]:
    return MappingProxyType({t.code: t for t in terms})


@lru_cache(maxsize=1)
def taxonomy() -> NeedTaxonomy:
    """Load the bundled need vocabulary."""
    raw = yaml.safe_load(resources.files("bot.resources").joinpath("needs.yml").read_text("utf-8"))
    tax = raw["taxonomy"]
    terms = tuple(NeedTerm(t["id"], t["code"], t["name"], t["description"], int(t["urgency"]),
                           t.get("parent") or "")
                  for t in raw["terms"])
    return NeedTaxonomy(tax["id"], tax["name"], tax["description"], tax.get("uri", ""),
                        str(tax.get("version", "")), terms)


def need_codes() -> List[str]:
    """All need codes, in vocabulary order."""
    return [t.code for t in taxonomy().terms]


@lru_cache(maxsize=None)
def parent_of(code: str) -> Optional[str]:
    """The broader need of a sub-need (None for a need, or an unknown code)."""
    term = taxonomy().by_code().get(code)
    return term.parent or None if term else None


def with_parents(codes: Iterable[str]) -> List[str]:
    """``codes`` followed by the broader needs of the sub-needs among them (deduplicated)."""
    out: List[str] = []
    for code in codes:
        for c in (code, parent_of(code)):
            if c and c not in out:
                out.append(c)
    return out


INTENT_PREFIX = "need_"


def need_for_intent(intent: Optional[str]) -> Optional[str]:
    """The need code an NLU intent stands for (``need_food`` → ``food``; ``crisis`` → crisis)."""
    if not intent:
        return None
    code = intent[len(INTENT_PREFIX):] if intent.startswith(INTENT_PREFIX) else intent
    return code if code in taxonomy().by_code() else None


# Words that reliably signal a need even when it is not the message's main intent.
# Kept deliberately specific: a false secondary need only adds a short extra suggestion.
_KEYWORDS: Mapping[str, Sequence[str]] = {
    "housing": [r"homeless", r"kicked out(?! of (?:sixth form|school|college|uni\b|university|"
                r"class|lessons|my course|the course|the group))", r"thr[eo]w(n)? me out",
                r"chucked (me )?out",
                r"nowhere to (sleep|stay|live|go)", r"place to (stay|sleep|crash)", r"sofa surf",
                r"rough sleep", r"sleeping rough", r"on the streets?", r"evict", r"hostel",
                r"shelter", r"somewhere to (stay|sleep|live)", r"no home", r"housing"],
    "food": [r"food", r"hungry", r"starving", r"nothing to eat", r"no(thing)? to eat",
             r"haven'?t eaten", r"havent ate", r"meal", r"food ?bank"],
    "money": [r"broke", r"skint", r"no money", r"no cash", r"benefits?", r"universal credit",
              r"\bdebt", r"\bowe\b", r"rent arrears", r"can'?t afford", r"cant pay", r"\bpip\b"],
    "work": [r"\bjob\b", r"\bjobs\b", r"\bwork\b", r"employ", r"apprentice", r"\bcv\b",
             r"interview"],
    "education": [r"college", r"\bcourse\b", r"training", r"qualification", r"school",
                  r"\buni\b", r"university", r"gcse", r"a[- ]levels?"],
    "mental_health": [r"anxi", r"depress", r"feeling (proper |so |really )?(down|low)",
                      r"panic attack", r"stress", r"mental health", r"counsell", r"lonely"],
    "health": [r"\bgp\b", r"doctor", r"pregnan", r"contracept", r"sexual health", r"\bstis?\b",
               r"\bstds?\b", r"dentist", r"\bill\b", r"poorly", r"injur", r"\bacne\b",
               r"migraines?", r"headaches"],
    "substance_use": [r"drugs?", r"alcohol", r"drinking too much", r"\bweed\b", r"cocaine",
                      r"\bket\b", r"addict", r"using again", r"spice", r"pregabalin",
                      r"gabapentin", r"\bbenzos?\b", r"xanax", r"valium", r"diazepam",
                      r"tramadol", r"codeine", r"\bmdma\b", r"ketamine", r"heroin", r"\bcoke\b",
                      r"come off (it|them|the \w+) safely", r"detox"],
    "family": [r"my (mum|mom|dad|parents|stepdad|stepmum|family)", r"at home",
               r"argu(e|ing|ments?)", r"relationship", r"break ?up", r"my (baby|kid)",
               r"leaving care", r"foster"],
    "legal": [r"solicitor", r"lawyer", r"legal", r"police", r"court", r"arrested",
              r"immigration", r"visa", r"asylum", r"my rights"],
    "lgbtq": [r"\bgay\b", r"lesbian", r"\bbi\b", r"bisexual", r"\btrans\b", r"queer",
              r"lgbt", r"coming out", r"came out", r"non[- ]binary", r"homophob", r"transphob",
              r"transgender", r"\bgender\b", r"sexuality", r"pronouns"],
    # sub-needs (issue 16)
    "sexual_health": [r"\bstis?\b", r"\bstds?\b", r"sexual health", r"contracept", r"condoms?",
                      r"\bprep\b", r"\bpep\b", r"morning after pill", r"chlamydia", r"gonorrh",
                      r"\bhiv\b", r"\bimplant\b", r"\bcoil\b", r"smear test", r"pregnancy test",
                      r"symptoms down there"],
    "eating": [r"eating (disorder|problem|issue)", r"anorexi", r"bulimi", r"\bbinge",
               r"purg(e|ing)", r"making myself sick", r"make myself sick", r"calorie",
               r"scared of (gaining|putting on) weight", r"barely eat", r"not eating",
               r"body image", r"hate (my|the way my) body", r"skip(ping)? meals to",
               r"stay thin", r"guilty (when|after|every time) i eat",
               r"(relationship|struggl\w*) with food", r"restrict(ing)? (my )?(food|eating)"],
    "gambling": [r"gambl", r"\bbet(s|ting)?\b", r"bookies", r"slots?\b", r"casino",
                 r"fruit machine", r"scratch ?cards?", r"\bodds\b", r"roulette", r"\bpoker\b"],
    "carers": [r"young carer", r"\bcarers?\b", r"look(ing)? after my (mum|mom|dad|brother|sister|"
               r"nan|gran|parent)", r"caring for my", r"care for my (mum|mom|dad|brother|sister)"],
    "care_leavers": [r"care leaver", r"left care", r"leaving care", r"in care\b",
                     r"personal adviser", r"foster care", r"children'?s home", r"aftercare",
                     r"(left|leaving) my foster", r"care[- ]experienced"],
    "immigration": [r"immigra", r"\bvisa", r"asylum", r"refugee", r"home office", r"settled "
                    r"status", r"pre-?settled", r"\bbrp\b", r"leave to remain", r"right to remain",
                    r"deport", r"resettle", r"citizenship", r"\bilr\b"],
    "domestic_abuse": [r"domestic (abuse|violence)", r"abusive (relationship|partner|ex)",
                       r"(ex|partner|boyfriend|girlfriend) (used to )?(hit|hits|hurt|abuse)",
                       r"coercive control", r"controlling (relationship|partner|ex)",
                       r"abusive (husband|wife|boyfriend|girlfriend)", r"women'?s aid",
                       r"(husband|wife|boyfriend|girlfriend|partner) is (very |really |so )?"
                       r"controlling"],
    "loneliness": [r"lonely", r"loneliness", r"no friends", r"make friends", r"making friends",
                   r"isolated", r"youth club", r"social group", r"meet (new )?people",
                   r"meet others"],
}
_COMPILED = {code: re.compile(r"(?:" + "|".join(pats) + r")", re.IGNORECASE)
             for code, pats in _KEYWORDS.items()}


def keyword_needs(text: str) -> List[str]:
    """Need codes whose keywords appear in ``text``."""
    return [code for code, rx in _COMPILED.items() if rx.search(text or "")]


def order_by_urgency(codes: Iterable[str]) -> List[str]:
    """Deduplicate ``codes`` and sort most urgent first (stable within equal urgency)."""
    terms = taxonomy().by_code()
    seen: List[str] = []
    for code in codes:
        if code in terms and code not in seen:
            seen.append(code)
    return sorted(seen, key=lambda c: terms[c].urgency)


SURE = 0.9  # the model's confidence in a need that a keyword alone does not go before
PRESSING = 2  # urgency of the needs that go before the one asked for (a bed, food, abuse)
SAFETY_FIRST = ("domestic_abuse",)  # said in so many words, first even before a sure need


def detect_needs(text: str, intent: Optional[str],
                 intent_ranking: Sequence[Mapping[str, object]] = (),
                 secondary_threshold: float = 0.25, limit: int = 3) -> List[str]:
    """Needs raised by one message, most urgent first.

    The top intent's need always counts; another need intent counts when the model gives it at
    least ``secondary_threshold`` confidence, and keyword matches add needs the model folded into
    the main intent ("homeless and broke" → housing, money).
    """
    found: List[str] = []
    primary = need_for_intent(intent)
    if primary:
        found.append(primary)
    sure = any(entry.get("name") == intent and float(entry.get("confidence") or 0) >= SURE
               for entry in intent_ranking or ())
    for entry in intent_ranking or ():
        code = need_for_intent(str(entry.get("name", "")))
        if code and code != "crisis" and float(entry.get("confidence") or 0) >= secondary_threshold:
            found.append(code)
    found.extend(keyword_needs(text))
    found = [c for c in found if c != "crisis"]
    # A sub-need said in the message stands for its broader need ("sti test": sexual health,
    # not health in general): the search for a sub-need includes its parent's services.
    subs = {parent_of(c) for c in found if parent_of(c)}
    ordered = order_by_urgency(c for c in found if c not in subs)
    if primary in ordered:
        # What the person asked for goes first ("gay and my parents dont know, is there an lgbt
        # group": LGBTQ+, not family). Only a pressing need (a bed, food, abuse) the message
        # also raises goes before it ("gay and kicked out, nowhere to sleep": housing), and
        # never before a need the model is sure of ("i restrict food then binge": eating),
        # except abuse ("my husband is very controlling, he takes my money": abuse, then money).
        terms = taxonomy().by_code()
        urgency = terms[primary].urgency
        ahead = [c for c in ordered if c in SAFETY_FIRST and c != primary
                 and urgency > PRESSING]  # "left my abusive ex, need a flat": a flat first
        ahead += [] if sure else [c for c in ordered if terms[c].urgency <= PRESSING
                                  and terms[c].urgency < urgency and c not in ahead]
        ordered = ahead + [primary] + [c for c in ordered if c != primary and c not in ahead]
    return ordered[:limit]


_PARENT = re.compile(r"\b(?:pregnant|expecting|my (?:baby|babies|son|daughter|kid|kids|child|"
                     r"children|little one|toddler|newborn)|i'?m a (?:young )?(?:mum|mom|dad|"
                     r"parent|single parent)|im a (?:young )?(?:mum|mom|dad|parent|single parent)|"
                     r"young (?:mum|mom|dad|parent)|single (?:mum|mom|dad|parent))\b", re.I)


def is_parent(text: str) -> bool:
    """Whether the person says they are a parent or expecting ("my baby", "i'm pregnant")."""
    return bool(_PARENT.search(text or ""))


def label(code: str) -> str:
    """Short human label for a need code."""
    term = taxonomy().by_code().get(code)
    return term.name if term else code.replace("_", " ")
