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
# An age stated inside a longer message: "i'm 19", "19 yrs old", "aged 17", "age: 22", "19yo".
_AGE_IN_TEXT = re.compile(
    r"(?:\b(?:i'?m|im|i am|aged?|age is|age:)\s*(\d{1,2})\b(?!\s*(?:%|pounds|quid|p\b|k\b|mins?|"
    r"hours?|days?|weeks?|months?|miles?|km|am|pm|:|st\b|nd\b|rd\b|th\b))"
    r"|\b(\d{1,2})\s*(?:yrs?|years?|yo|y/o|y\.o\.)(?:\s*old)?\b)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^\D{0,20}?(\d{1,3})\D{0,20}$")
MIN_AGE, MAX_AGE = 8, 99


def parse_age(text: str, whole_message_is_answer: bool = False) -> Optional[int]:
    """The user's age from ``text``, or None.

    With ``whole_message_is_answer`` (the bot just asked for their age) a bare number or number
    word counts; otherwise only explicit phrasings ("i'm 19") do.
    """
    if not text:
        return None
    t = text.strip().lower()
    m = _AGE_IN_TEXT.search(t)
    value = None
    if m:
        value = int(m.group(1) or m.group(2))
    elif whole_message_is_answer:
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
