"""Small parsers for what users type: ages and which result they mean."""
from __future__ import annotations

import re
from typing import Optional, Sequence

_WORD_NUMBERS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty one": 21, "twenty two": 22, "twenty three": 23, "twenty four": 24,
    "twenty five": 25, "twenty six": 26, "twenty seven": 27, "twenty eight": 28,
    "twenty nine": 29, "thirty": 30,
}
_WORDS_RX = "|".join(sorted((w.replace(" ", "[ -]") for w in _WORD_NUMBERS), key=len, reverse=True))
_NOT_UNIT = (r"(?!\s*(?:%|pounds|quid|p\b|k\b|mins?|minutes|hours?|hrs?|days?|weeks?|months?|"
             r"miles?|km|am|pm|:|st\b|nd\b|rd\b|th\b|stone|st\b|kg|lbs?|grand|times|x\b|"
             r"metres?|meters?|ft|feet|inches|cm|mg|ml))")
# An age stated inside a longer message, strongest phrasings first: "i'm 19", "i am only 17",
# "aged 17", "age: 22", "i turned 18", "im sixteen"; then "19yo", "19 years old", "18 y/o";
# then the forum shorthand "21f", "(17m)", "m22"; then a message that starts "22, swindon";
# then the age alone at a sentence's start or end. A phrasing whose number cannot be an age
# ("on the housing list 2 years") does not stop the search.
_AGE_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    rf"\b(?:i'?m|im|i am|aged?|age is|age:|my age is|i turned|just turned|turned|i'?ll be|"
    rf"i will be)\s*(?:only\s+|just\s+|nearly\s+|almost\s+|now\s+)?(\d{{1,2}})\b{_NOT_UNIT}",
    rf"\b(?:i'?m|im|i am|aged?|age is|my age is|i turned|just turned)\s*(?:only\s+|just\s+|"
    rf"nearly\s+|almost\s+|now\s+)?({_WORDS_RX})\b(?!\s*(?:pounds|quid|minutes|hours|days|"
    rf"weeks|months|miles|times|of))",
    r"\b(\d{1,2})\s*(?:yrs?|years?|yo|y/o|y\.o\.)(?:\s*old)?\b",
    rf"\b({_WORDS_RX})\s*(?:yrs?|years?)\s*old\b",
    # "just 17, from chelmsford", "since i was 15, now 19", "only 16": a young age after
    # just / now / only (from here on only plausible young people's ages count).
    rf"\b(?:just|now|only)\s+(\d{{2}})\b(?!\s*/){_NOT_UNIT}"
    r"(?!\s*(?:people|of\b|kids|children|others|friends|quid|pence|years?\s+ago))",
    r"(?:^|[.!?,;]\s*)am\s+(\d{2})\b(?!\s*/)",  # "... belfast? am 21 and ..."
    r"\bat\s+(\d{2})\s*\?",  # "can i get free condoms in rotherham at 16?"
    rf"^\s*(?:hi+|hiya|hey+|heya|hello|hiya+)\s*[,!.]?\s*(\d{{2}})\b(?!\s*/){_NOT_UNIT}",
    r"(?:^|[\s(\[,])(\d{2})\s?[/]?[fmFM](?=$|[\s)\],.!?])",
    r"(?:^|[\s(\[,])[fmFM]\s?(\d{2})(?=$|[\s)\],.!?])",
    r"^\s*(\d{2})\s*[,.\-–:]\s+\D",
    rf"^\s*(\d{{2}}|{_WORDS_RX})\s*(?:(?:and|n|y/?o|yrs?)\b|&)",
    r"\b(?:leaver|student|mum|mom|dad|carer|male|female|guy|girl|lad|boy|man|woman|bloke|"
    r"parent|apprentice|trans|gay|lesbian|bi|someone|somebody|person)\s*(?:,|\band\b|&)?\s*"
    r"(\d{2})\b(?!\s*(?:%|pounds|quid|mins?|hours?|"
    r"days?|weeks?|months?|miles?|km|am|pm|:|st\b|nd\b|rd\b|th\b|kids|children|people))",
    # The age as its own phrase at a sentence or clause start: "... friday. 23 sheffield",
    # "refugee status, 20, in bedford", "18 hamilton, pretty sure"; in brackets "(18)"; a
    # message or sentence that ends with it ("near gloucester? 19"); "sixteen, stockport".
    rf"(?:^|[.!?]\s+|,\s+)(\d{{2}})(?:\s*[,.\-–:]\s*|\s+)(?=[a-z]){_NOT_UNIT}"
    r"(?!\s*(?:people|of\b|kids|children|others|friends|euros?|dollars?|bucks|pence|quid|"
    r"years?\b|yrs?\b|y/?o\b))",
    r"\((\d{2})\)",
    r"\S\s*[.!?,]\s*(\d{2})\s*[.!?]*\s*$",
    rf"(?:^|[.!?]\s+)({_WORDS_RX})\s*[,.:]",
    rf",\s*({_WORDS_RX})\s*[.!?]*\s*$",  # "... hastings, nineteen"
)]
_BARE_NUMBER = re.compile(r"^\D{0,20}?(\d{1,3})\D{0,20}$")
MIN_AGE, MAX_AGE = 8, 99
SHORTHAND_AGES = (12, 30)  # "21f", "22, swindon": only plausible young people's ages


def _value(raw: str) -> Optional[int]:
    if raw.isdigit():
        return int(raw)
    return _WORD_NUMBERS.get(re.sub(r"[ -]+", " ", raw.lower()))


def parse_age(text: str, whole_message_is_answer: bool = False) -> Optional[int]:
    """The user's age from ``text``, or None.

    With ``whole_message_is_answer`` (the bot just asked for their age) a bare number or number
    word counts; otherwise only explicit phrasings ("i'm 19", "19yo", "21f", "im sixteen") do.
    """
    if not text:
        return None
    t = text.strip().lower()
    value = None
    for i, rx in enumerate(_AGE_PATTERNS):
        m = rx.search(t)
        if m:
            value = _value(m.group(1))
            low, high = SHORTHAND_AGES if i >= 4 else (MIN_AGE, MAX_AGE)
            if value is None or not low <= value <= high:
                value = None  # "on the list 2 years": not an age; a later phrasing may be
                continue
            break
    if value is None and whole_message_is_answer:
        m = _BARE_NUMBER.match(t)
        if m:
            value = int(m.group(1))
        else:
            words = re.sub(r"[^a-z ]+", " ", t.replace("-", " "))
            words = re.sub(r"\s+", " ", words).strip()
            for phrase in sorted(_WORD_NUMBERS, key=len, reverse=True):
                if re.search(rf"\b{phrase}\b", words):
                    value = _WORD_NUMBERS[phrase]
                    break
    if value is None or not MIN_AGE <= value <= MAX_AGE:
        return None
    return value


# Ordinals are checked before cardinals: "the second one" means 2, not 1.
_ORDINALS = [("first", 1), ("1st", 1), ("second", 2), ("2nd", 2), ("third", 3), ("3rd", 3),
             ("fourth", 4), ("4th", 4), ("fifth", 5), ("5th", 5), ("sixth", 6), ("6th", 6),
             ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("one", 1)]


def pick_result(text: str, names: Sequence[str], entity: Optional[str] = None) -> Optional[int]:
    """Which shown result (0-based index into ``names``) the user means, or None.

    Understands "2", "number 2", "the second one", "the last one", and part of a service name.
    """
    count = len(names)
    if count == 0:
        return None
    candidates = [entity] if entity else []
    candidates.append(text or "")
    for cand in candidates:
        t = str(cand).lower()
        if re.search(r"\blast\b", t):
            return count - 1
        m = re.search(r"\b(\d{1,2})\b", t)
        if m and 1 <= int(m.group(1)) <= count:
            return int(m.group(1)) - 1
        for word, n in _ORDINALS:
            if re.search(rf"\b{word}\b", t) and n <= count:
                return n - 1
    tokens = set(re.findall(r"[a-z]{4,}", (text or "").lower())) - {
        "more", "tell", "about", "info", "details", "that", "this", "what", "where", "which",
        "open", "there", "please", "place", "service", "youth"}
    best, best_score = None, 0
    for i, name in enumerate(names):
        score = len(tokens & set(re.findall(r"[a-z]{4,}", name.lower())))
        if score > best_score:
            best, best_score = i, score
    return best
