"""Text normalisation for crisis detection only (what is stored is never changed).

Young people write "i want to d\u200bie", "su1c1de", "kms", "diiiie", "wnt 2 die", full-width
letters and Cyrillic look-alikes. ``normalise`` turns a message into one or two canonical
lower-case forms that the lexicon and the trained detector both read:

1. NFKC (full-width and compatibility forms), then accents and other combining marks removed;
2. format characters (zero-width spaces and joiners, bidi controls, soft hyphens) and emoji
   variation selectors removed; curly quotes and look-alike letters mapped to ASCII;
3. digits and symbols used as letters inside a word ("su1c1de", "k!ll", "d13") read as letters;
   letters spelt out with spaces or dots ("k i l l", "k.m.s") joined;
4. common SMS-speak, slang and euphemisms expanded ("kms" -> "kill myself", "ctb" -> "suicide",
   "unalive myself" -> "kill myself", "sh" -> "self harm" where it means that, "od" -> overdose);
5. letters repeated three or more times folded: the first form keeps two ("killll" ->
   "kill"), and when a fold happened a second form keeps one ("diiie" -> "die").
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, Tuple

MAX_CHARS = 5000  # only the first 5,000 characters are read (after whitespace is collapsed)

# Cyrillic and Greek letters that look like Latin ones (the common confusables in chat spam).
_LOOKALIKE = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ӏ": "l", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b",
    "А": "a", "Е": "e", "О": "o", "Р": "p", "С": "c", "Х": "x", "І": "i", "К": "k", "М": "m",
    "Т": "t", "Н": "h", "В": "b", "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v",
    "’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "“": '"', "”": '"', "–": "-", "—": "-",
})
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
         "!": "i", "|": "l", "€": "e"}
# A word that mixes letters with digits/symbols standing for letters: "su1c1de", "k!ll", "d13".
_LEET_WORD = re.compile(r"(?<![\w@$!|€])(?=[\w@$!|€]*[a-z])(?=[\w@$!|€]*[013457@$!|€][\w@$!|€]*"
                        r"[a-z]|[\w@$!|€]*[a-z][\w@$!|€]*[013457@$!|€])[a-z013457@$!|€]{3,}"
                        r"(?![\w@$!|€])")
# Ordinal and measure suffixes are real words with digits: leave "21st", "10pm", "5mg" alone.
_KEEP_DIGITS = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|mg|ml|kg|lbs?|km|mi|k|m|s|x|yo|yrs?|hrs?|"
                          r"mins?|p)$")
# Letters spelt out one by one: "k i l l m y s e l f", "k.m.s", "d-i-e".
_SPELT = re.compile(r"\b(?:[a-z][ .\-*]){2,}[a-z]\b")
_REPEAT3 = re.compile(r"([a-z])\1{2,}")

# Whole-word expansions (after lower-casing). Values are what the lexicon and model read.
_WORDS: Dict[str, str] = {
    # SMS-speak
    "wnt": "want", "wna": "wanna", "wanan": "wanna", "wan": "want", "gna": "gonna",
    "gunna": "gonna", "finna": "gonna", "2nite": "tonight", "2night": "tonight",
    "tonite": "tonight", "2nyt": "tonight", "tnite": "tonight", "agen": "again", "agn": "again",
    "abt": "about", "dnt": "dont", "cnt": "cant", "tryna": "trying to", "mysef": "myself",
    "myslf": "myself", "myseld": "myself", "meself": "myself", "mysel": "myself",
    "2day": "today", "2moro": "tomorrow", "2mrw": "tomorrow", "tmrw": "tomorrow", "tmr": "tomorrow",
    "rn": "right now", "atm": "at the moment", "u": "you", "ur": "your", "ya": "you",
    "r": "are", "b": "be", "b4": "before", "cuz": "because", "coz": "because", "cos": "because",
    "bc": "because", "becos": "because", "wiv": "with", "wid": "with", "wud": "would",
    "cud": "could", "shud": "should", "wont": "wont", "ppl": "people", "pls": "please",
    "plz": "please", "nd": "and", "idk": "i dont know", "dunno": "dont know", "im": "im",
    "sumthin": "something", "sumthing": "something", "nuthin": "nothing", "nothin": "nothing",
    "thru": "through", "tho": "though", "luv": "love", "gf": "girlfriend", "bf": "boyfriend",
    "bday": "birthday", "mum's": "mums", "ngl": "not gonna lie", "tbh": "to be honest",
    "sucide": "suicide", "suicde": "suicide", "sucidal": "suicidal", "suicdal": "suicidal",
    "sewerslide": "suicide", "sooicide": "suicide", "suiside": "suicide", "suisidal": "suicidal",
    "selfharm": "self harm", "selfharming": "self harming", "overdosed": "overdosed",
    # euphemisms and internet words for suicide and self-harm
    "kms": "kill myself", "kmn": "kill myself now", "kys": "kill yourself",
    "ctb": "suicide", "unalive": "kill", "unaliving": "killing", "unalived": "killed",
    "self-delete": "kill myself", "selfdelete": "kill myself",
    "kmsl": "laughing", "kmsfl": "laughing", "lmao": "laughing", "lmfao": "laughing",
}
_PHRASES = (  # (pattern, replacement), applied in order after the word map
    (re.compile(r"\bsewer ?slide\b"), "suicide"),
    (re.compile(r"\bcatch(?:ing)? the bus\b(?=[^.?!]{0,40}\b(?:tonight|forever|for good|gonna|"
                r"going to|ready|plan|decided|want|wanna|soon|finally|this time)\b)"),
     "suicide"),
    (re.compile(r"\b(?:neck|rope|yeet|delete|off|unalive|end) (?:my ?self|myself)\b"),
     "kill myself"),
    (re.compile(r"\bself[- ]?(?:harm|harming|harmed|injur\w*)\b"), "self harm"),
    (re.compile(r"\b(?:want to|wanna|urges? to|need to|gonna|going to|might|about to|i|been|"
                r"relapsed on|relapse on|relapsing on|stop|stopped|quit)\s+sh\b"), r"\g<0> self harm"),
    (re.compile(r"\bsh(?='?(?:ing|d|ed)\b)"), "self harm"),
    (re.compile(r"\bsh (?=(?:again|urges?|scars?|cuts?|wounds?|relapse|tonight|thoughts|"
                r"is|was|has|every|since)\b)"), "self harm "),
    (re.compile(r"\b(?:an|to|gonna|wanna|might|about to|going to|tried to|try to|took an|"
                r"did an|had an)\s+od\b"), r"\g<0> overdose"),
    (re.compile(r"\bod'?(?:d|ed|ing)\b|\bo\.d\.?(?:'?d)?\b"), "overdosed"),
    (re.compile(r"\bod (?=(?:on|tonight|again|last night)\b)"), "overdose "),
    (re.compile(r"\b(?:want|wanna|going|gonna|ready|need|have|trying|tryin|planning|about) 2\b"),
     lambda m: m.group(0)[:-1] + "to"),
)
_WORD_RX = re.compile(r"(?<![\w'])(?:" + "|".join(
    sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r")(?![\w'])")


def _strip_marks(text: str) -> str:
    """NFKC, then remove combining marks (accents) and format characters."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    kept = [c for c in decomposed
            if unicodedata.category(c) not in ("Mn", "Me", "Cf")
            and not 0xFE00 <= ord(c) <= 0xFE0F and not 0xE0100 <= ord(c) <= 0xE01EF]
    return unicodedata.normalize("NFC", "".join(kept)).translate(_LOOKALIKE)


def _unleet(match: "re.Match[str]") -> str:
    word = match.group(0)
    if _KEEP_DIGITS.match(word) or word.isdigit():
        return word
    return "".join(_LEET.get(c, c) for c in word)


def _join_spelt(match: "re.Match[str]") -> str:
    return re.sub(r"[ .\-*]", "", match.group(0))


def _expand(text: str) -> str:
    text = _WORD_RX.sub(lambda m: _WORDS[m.group(0)], text)
    for rx, repl in _PHRASES:
        text = rx.sub(repl, text)
    return text


@lru_cache(maxsize=4096)
def normalise(text: str) -> Tuple[str, ...]:
    """The canonical forms of ``text`` for detection: one, or two when repeated letters were
    folded (the second keeps one letter of each run)."""
    text = _strip_marks((text or "")[:4 * MAX_CHARS])
    text = re.sub(r"\s+", " ", text).strip()[:MAX_CHARS].lower()
    text = _LEET_WORD.sub(_unleet, text)
    text = _SPELT.sub(_join_spelt, text)
    two = _REPEAT3.sub(r"\1\1", text)
    first = _expand(two)
    if two == text:
        return (first,)
    one = _expand(_REPEAT3.sub(r"\1", text))
    return (first,) if one == first else (first, one)
