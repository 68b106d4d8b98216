"""Who a service is for, read from its words when its structured eligibility is empty.

Real feeds (an Open Referral UK council feed, a 211 export) often leave ``minimum_age`` and
``maximum_age`` empty and say it in the description: "for young people aged 11-16", "up to 18",
"until their 20th birthday", "18-24", "under 25s", "over 50s". :func:`read` finds these, and
who the service is only for ("professionals", "parents of under 5s", "veterans", "women only"),
and whether it is about animals at all ("homeless dogs"). At import the ages are stored as the
service's HSDS ``minimum_age`` / ``maximum_age`` and the phrases as its
``eligibility_description`` (only where the record left them empty); the search index keeps the
audience codes and filters on them (bot/directory/search.py).

Ages that describe someone else are not the service's ages: "parents of children aged 0-5" is
for parents (audience ``parents``), not for 0 to 5 year olds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, List, Optional, Sequence, Tuple

# audience codes
PROFESSIONALS, PARENTS, VETERANS, WOMEN, MEN, ANIMALS, OLDER_CARERS = (
    "professionals", "parents", "veterans", "women", "men", "animals", "older_carers")
# Never shown to a young person looking for help for themself.
EXCLUDED = (PROFESSIONALS, VETERANS, ANIMALS)

_NUM = r"(\d{1,2})"
_DASH = r"\s*(?:-|–|—|to|and)\s*"
_YEARS = r"(?:\s*(?:years?|yrs?|year[- ]?olds?|yr[- ]?olds?|y/?o|yo)\b|s\b)"
_WHO = (r"(?:aged?|ages|age range|young (?:people|person|adults?|women|men)|children|kids|teen\w*|"
        r"boys|girls|adults|people|students|pupils|learners|anyone|those|for|between|from)")
_NOT_AGE = (r"(?!\s*(?:am|pm|:|\.\d|%|hours?|hrs?|mins?|minutes|weeks?|months?|days?|sessions?|"
            r"places|pounds|p\b))")
_RANGE = re.compile(rf"\b{_WHO}\b[^.;:\n]{{0,20}}?\b{_NUM}{_DASH}{_NUM}\b{_NOT_AGE}|"
                    rf"\b{_NUM}{_DASH}{_NUM}{_YEARS}")
_UPPER = re.compile(rf"\b(?:up ?to|under|below|younger than|no older than|upto)(?: the age(?: of)?)?"
                    rf" {_NUM}(?:s\b|\b){_NOT_AGE}(?!\s*(?:miles|people|places|children))|"
                    rf"\baged? {_NUM} (?:and|or) (?:under|below|younger)\b|"
                    rf"\b{_NUM} (?:and|or) under\b|"
                    rf"\buntil (?:their|your|they are|you are|they'?re|you'?re) {_NUM}(?:st|nd|rd|th)? "
                    rf"birthday\b|\b(?:until|before) (?:they|you) turn {_NUM}\b")
_LOWER = re.compile(rf"\b(?:over|above|older than) {_NUM}(?:s\b|\b){_NOT_AGE}|\b{_NUM} ?\+(?!\d)|"
                    rf"\baged? {_NUM} (?:and|or) (?:over|above|older|upwards)\b|"
                    rf"\b{_NUM} (?:and|or) over\b|\bfrom (?:the )?age(?: of)? {_NUM}\b")
# Ages that belong to someone else: the children of the parents a service is for, a cared-for.
_OTHERS = re.compile(r"\b(?:parents?|carers?|families|family|mums?|dads?|grandparents?|mothers?|"
                     r"fathers?|expectant mums?|pregnant women)\s+(?:and|&|of|with|who have|"
                     r"caring for|looking after|to)\b[^.;:\n]{0,30}$")
_BIRTHDAY = re.compile(r"birthday|turn ")

_PHRASES: Sequence[Tuple[str, str]] = (
    (PROFESSIONALS, r"\bfor (?:health )?(?:professionals|practitioners|staff|clinicians|teachers|"
                    r"schools and professionals)\b|\bprofessionals? only\b|\bprofessional training\b|"
                    r"\b(?:training|resources|guidance|toolkit) for (?:professionals|practitioners|"
                    r"staff|schools|teachers|employers)\b|\bworkforce development\b"),
    (PARENTS, r"\b(?:parents?|carers?|mums?|dads?|families) (?:of|with) (?:a |young |small )?"
              r"(?:babies|baby|toddlers?|under[- ]?(?:5|five|fives|4|4s|5s|2s|3s)|pre-?school\w*|"
              r"children (?:aged |under |0|up to|from birth)|child(?:ren)? (?:aged )?(?:0|1|2|3|4)"
              r"\s*-\s*\d|young children)|\b(?:parent|mum|mums|mother|dad|carer)s? (?:and|&|n) "
              r"(?:toddlers?|babies|baby|tots?|little ones)\b|\bstay and play\b|\bbaby (?:group|"
              r"massage|sensory)\b|\bantenatal\b|\bbreast ?feeding\b|\bfor (?:new |expectant )?"
              r"parents\b|\b(?:baby|babies|toddlers?|tots) (?:and|&) (?:toddlers?|tots|baby)\b|"
              r"\bparent carers?\b|\bparents? of (?:disabled|send|autistic)\b"),
    (VETERANS, r"\b(?:veterans?|ex[- ]?(?:service|forces)|armed forces (?:community|veterans)|"
               r"service (?:leavers|personnel) and their families)\b"),
    (WOMEN, r"\b(?:women|ladies|females?|girls) only\b|\bfor women\b|\bwomen'?s (?:group|centre|"
            r"aid|refuge)\b"),
    (MEN, r"\b(?:men|males?|boys) only\b|\bfor men\b|\bmen'?s (?:group|shed|sheds)\b"),
    (ANIMALS, r"\b(?:dog|dogs|cat|cats|pet|pets|animal|animals|horse|horses|puppies|kittens)\b"
              r"[^.]{0,40}\b(?:rescue|rehom\w*|sanctuary|welfare|adopt\w*|kennels?|shelter|vets?)\b|"
              r"\b(?:rescue|rehom\w*|sanctuary|adopt\w*)\b[^.]{0,30}\b(?:dogs|cats|pets|animals|"
              r"puppies|kittens)\b"),
    (OLDER_CARERS, r"\bcarers? (?:of|for) (?:an? )?(?:older|elderly) (?:people|person|relatives?|"
                   r"adults?|parents?)\b|\bdementia carers?\b|\bcarers? of (?:people|someone|those)"
                   r" (?:living )?with dementia\b"),
)
_COMPILED = [(code, re.compile(rx)) for code, rx in _PHRASES]
_OLDER = re.compile(r"\b(?:older people|older adults|elderly|pensioners?|retired people|"
                    r"retirees|later life|over[- ]?(?:50|55|60|65)s?|senior citizens|"
                    r"(?:for (?:those|the|people) )?retired (?:or|and) semi-retired|semi-retired|"
                    r"for (?:those|the|people) (?:who are )?retired|u3a|university of the third "
                    r"age)\b")
_CHILDREN_ONLY = re.compile(r"\b(?:primary school (?:children|pupils|age)|key stage (?:1|2)|"
                            r"pre-?school(?:ers)?|toddlers|under[- ]?(?:5|fives|5s)\b|nursery "
                            r"(?:children|age)|school meals|school uniform|school clothing)\b")
_SECONDARY = re.compile(r"\b(?:secondary school (?:pupils|students|children|age)|years? 7 ?"
                        r"(?:-|to) ?(?:11|13)|high school (?:pupils|students))\b")
# "supports children and young people ... in school": a school-age service, unless it also
# names adults, college or an age past school.
_SCHOOL_AGE = re.compile(r"\b(?:children and young people|pupils)\b.{0,200}\b(?:in school|at "
                         r"school|schools|their school)\b")
_PAST_SCHOOL = re.compile(r"\b(?:adults?|college|further education|universit\w*|post[- ]16|"
                          r"over 1[6-9]s?|1[6-9]\+|2[0-9]|parents?|families|carers)\b")
_NATIONAL = re.compile(r"\b(?:national (?:helpline|phone line|telephone service)|nationwide|"
                       r"uk[- ]wide|across (?:the uk|england|wales|scotland|the country)|anywhere "
                       r"in (?:the uk|england|wales|scotland|the country)|throughout the uk|all "
                       r"over the uk)\b")


@dataclass(frozen=True)
class Eligibility:
    """What a service's words say about who can use it."""

    minimum_age: Optional[float] = None
    maximum_age: Optional[float] = None
    audiences: Tuple[str, ...] = ()
    phrases: Tuple[str, ...] = ()  # the words it was read from (for eligibility_description)

    def description(self) -> Optional[str]:
        """An ``eligibility_description`` made of the phrases found."""
        return "; ".join(self.phrases) if self.phrases else None


def _own(text: str, start: int) -> bool:
    """Whether an age at ``start`` is the service user's (not a parent's child's)."""
    return not _OTHERS.search(text[max(0, start - 45):start])


def _ages(text: str) -> Tuple[List[int], List[int], List[str]]:
    lows, highs, phrases = [], [], []
    for m in _RANGE.finditer(text):
        a, b = [int(x) for x in m.groups() if x is not None][:2]
        if a < b <= 99 and _own(text, m.start()):
            lows.append(a)
            highs.append(b)
            phrases.append(m.group(0).strip())
    for m in _UPPER.finditer(text):
        n = int(next(x for x in m.groups() if x is not None))
        if 3 <= n <= 99 and _own(text, m.start()):
            highs.append(n - 1 if _BIRTHDAY.search(m.group(0)) or "under" in m.group(0)
                         or "younger" in m.group(0) or "below" in m.group(0) else n)
            phrases.append(m.group(0).strip())
    for m in _LOWER.finditer(text):
        n = int(next(x for x in m.groups() if x is not None))
        if 3 <= n <= 99 and _own(text, m.start()):
            lows.append(n)  # "over 18s" is 18 and over in UK usage
            phrases.append(m.group(0).strip())
    return lows, highs, phrases


def read(name: Optional[str], description: Optional[str] = None,
         extra: Iterable[Optional[str]] = ()) -> Eligibility:
    """Who the service is for, from its name, description and any audience text."""
    return _read(" ".join(t for t in (name, description, *extra) if t))


@lru_cache(maxsize=1 << 16)
def _read(joined: str) -> Eligibility:
    """:func:`read` of the joined text, remembered: directories repeat their descriptions."""
    text = re.sub(r"\s+", " ", joined.lower())
    if not text:
        return Eligibility()
    audiences = [code for code, rx in _COMPILED if rx.search(text)]
    phrases = [m.group(0) for _, rx in _COMPILED for m in [rx.search(text)] if m]
    lows, highs, age_phrases = _ages(text)
    phrases += age_phrases
    if _OLDER.search(text) and not highs:
        lows.append(50)
        phrases.append(_OLDER.search(text).group(0))
    if _CHILDREN_ONLY.search(text) and PARENTS not in audiences and not highs:
        highs.append(11)
        phrases.append(_CHILDREN_ONLY.search(text).group(0))
    if _SECONDARY.search(text) and not highs:
        highs.append(16)
        phrases.append(_SECONDARY.search(text).group(0))
    school = _SCHOOL_AGE.search(text)
    if school and not highs and not lows and not _PAST_SCHOOL.search(text):
        highs.append(18)
        phrases.append(school.group(0)[:60])
    lo = float(min(lows)) if lows else None
    hi = float(max(highs)) if highs else None
    if lo is not None and hi is not None and lo > hi:  # "over 18s ... under 16s": unclear
        lo = hi = None
    return Eligibility(lo, hi, tuple(audiences), tuple(dict.fromkeys(p.strip() for p in phrases)))


_SERVED = re.compile(r"\b(?i:serving|serves|covering|covers|(?:for|open to) (?:people|residents|"
                     r"families|anyone) (?:living |who live )?in|(?:who|that) (?:lives?|are "
                     r"living|is living) in|residents of|living in)\s+(?:the\s+)?"
                     r"((?:[A-Z][\w'’-]+)(?:\s+(?:of|upon|on|in|le|under|the|-)?\s*[A-Z][\w'’-]+)"
                     r"{0,3})")


def served_place(description: Optional[str]) -> Optional[str]:
    """The place a service says it serves, capitalised as a name ("Foodbank serving the Isle
    of Axholme": "Isle of Axholme"), or None."""
    m = _SERVED.search(re.sub(r"<[^>]+>", " ", description or ""))
    return m.group(1).strip() if m else None


def reach(description: Optional[str], has_coordinates: bool, virtual_only: bool,
          has_address: bool = False) -> str:
    """How far a service reaches: ``local`` (a place with coordinates), ``national`` (says it
    serves the whole country), ``remote`` (phone or online only), ``unplaced`` (a place whose
    coordinates the directory lacks: its distance is unknown) or ``area`` (no place at all: it
    serves the directory's own area, as a council's feed does)."""
    if has_coordinates:
        return "local"
    if _NATIONAL.search((description or "").lower()):
        return "national"
    if virtual_only:
        return "remote"
    return "unplaced" if has_address else "area"


YOUTH_WORDS = ("young people", "young person", "youth", "16-25", "16 to 25", "18-25",
               "teen", "under 25", "aged 16", "care leaver")


def is_youth(name: Optional[str], description: Optional[str], eligibility: Optional[str],
             minimum_age: Optional[float], maximum_age: Optional[float]) -> bool:
    """Targets young people: an age range within youth, or youth words in its text."""
    if maximum_age is not None and maximum_age <= 30 and (minimum_age is None or minimum_age >= 10):
        return True
    text = " ".join(filter(None, [name, description, eligibility])).lower()
    return any(w in text for w in YOUTH_WORDS)
