"""SMS text: GSM-7 only, counted in segments, menus as numbers, keywords understood.

Every segment costs the charity money and a young person on a plain phone has no buttons, so:

* ``to_gsm`` rewrites the bot's text into the GSM 03.38 alphabet (the ``gsm0338`` codec decides
  what is in it; ``anyascii`` transliterates what is not: curly quotes, dashes, ellipses, "Łódź");
  emoji are dropped. One character outside the alphabet would turn the whole message into UCS-2
  (70 characters a segment instead of 160).
* ``segments`` counts what the carrier bills (3GPP TS 23.040: 160 septets in one segment, 153 a
  segment once concatenated; UCS-2 70 / 67).
* ``number_buttons`` and ``menu_text`` turn buttons into one numbered menu; ``menu_choice`` reads "2", "two",
  "the second one" back.
* ``keyword`` spots the carrier keywords (STOP, START, HELP ...) only as a whole message.
"""
from __future__ import annotations

import math
import re
import unicodedata
from typing import List, Optional, Sequence, Tuple

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec
from anyascii import anyascii

from bot.channels.textsplit import split_text

GSM = "gsm03.38"
SEGMENT_SEPTETS, PART_SEPTETS = 160, 153
SEGMENT_UCS2, PART_UCS2 = 70, 67

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
OPT_IN = {"START", "UNSTOP", "YES"}
HELP = {"HELP", "INFO"}
FORGET = {"FORGET", "DELETE"}  # delete everything kept about me (asked twice to confirm)
PRIVACY = {"PRIVACY"}

_EMOJI_NAME = re.compile(r"^:[a-z0-9_+\-]+:$")
_PUNCT_EDGES = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def is_gsm(text: str) -> bool:
    """Whether every character is in the GSM 03.38 alphabet (basic or extension table)."""
    try:
        text.encode(GSM)
    except UnicodeEncodeError:
        return False
    return True


def septets(text: str) -> int:
    """GSM-7 length: extension characters (``€ [ ] { } ^ ~ \\ |``) take two septets."""
    return len(text.encode(GSM))


def segments(text: str) -> int:
    """How many SMS segments the carrier bills for ``text`` sent as one message."""
    if not text:
        return 0
    if is_gsm(text):
        n, one, part = septets(text), SEGMENT_SEPTETS, PART_SEPTETS
    else:
        n, one, part = len(text.encode("utf-16-le")) // 2, SEGMENT_UCS2, PART_UCS2
    return 1 if n <= one else math.ceil(n / part)


def _char_to_gsm(ch: str) -> str:
    if is_gsm(ch):
        return ch
    if ch in "`´":
        return "'"
    category = unicodedata.category(ch)
    if category in ("Cf", "Mn", "Me", "Sk", "Cs", "Co"):  # joiners, variation selectors, tones
        return ""
    if ch.isspace():
        return "\n" if ch in "\u2028\u2029" else " "
    ascii_ = anyascii(ch)
    if not ascii_ or _EMOJI_NAME.match(ascii_) or category == "So" and len(ascii_) > 2:
        return ""  # an emoji or pictograph: dropped, never spelled out as ":smile:"
    return "".join(c for c in ascii_ if is_gsm(c)) or ("'" if ascii_ == "`" else "")


def to_gsm(text: str) -> str:
    """``text`` in the GSM-7 alphabet: transliterated where possible, emoji dropped, spacing
    left tidy (no double spaces or space before punctuation where an emoji was)."""
    text = unicodedata.normalize("NFC", text or "")
    if is_gsm(text):
        return text
    out = "".join(_char_to_gsm(ch) for ch in text)
    out = re.sub(r"[ \t]{2,}", " ", out)
    out = re.sub(r" +([,.!?;:])", r"\1", out)
    return "\n".join(line.strip() for line in out.split("\n")).strip()


def split_sms(text: str, max_segments: int = 4) -> List[str]:
    """``text`` (already GSM-7) as separate single-segment messages cut on paragraph, line or
    sentence boundaries; at most ``max_segments`` of them (the last one marked as cut)."""
    parts = split_text(text, SEGMENT_SEPTETS, measure=septets)
    if len(parts) <= max_segments:
        return parts
    kept = parts[:max_segments]
    tail = "..."
    last = kept[-1]
    while last and septets(last + tail) > SEGMENT_SEPTETS:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    kept[-1] = last + tail
    return kept


def pack_sms(messages: Sequence[str], max_segments: int = 4) -> List[str]:
    """A turn's messages as few single-segment SMS as possible: each message rewritten to
    GSM-7 and capped at ``max_segments`` (``split_sms``), then neighbouring parts that fit
    together in one segment share it."""
    out: List[str] = []
    for message in messages:
        for part in split_sms(to_gsm(message), max_segments):
            if out and septets(f"{out[-1]}\n\n{part}") <= SEGMENT_SEPTETS:
                out[-1] = f"{out[-1]}\n\n{part}"
            else:
                out.append(part)
    return out


# -- numbered menus ---------------------------------------------------------------------------
_DETAIL = re.compile(r'^/ask_detail\{"result_number":\s*"?(\d+)"?\}$')


def number_buttons(buttons: Sequence[dict], taken: Sequence[int] = ()
                   ) -> List[Tuple[int, str, str]]:
    """(number, title, payload) for each button. A "More about 4" button keeps number 4, so the
    number a user sees beside a result is the number to reply; the others take the next free
    numbers after every number already used in this turn (``taken``)."""
    used = set(taken)
    out: List[Tuple[int, str, str]] = []
    for b in buttons:
        m = _DETAIL.match(str(b.get("payload") or ""))
        if m and int(m.group(1)) not in used:
            n = int(m.group(1))
            used.add(n)
            out.append((n, str(b.get("title") or ""), str(b.get("payload"))))
    for b in buttons:
        payload = str(b.get("payload") or "")
        if _DETAIL.match(payload) and any(p == payload for _, _, p in out):
            continue
        n = max(used, default=0) + 1
        used.add(n)
        out.append((n, str(b.get("title") or payload), payload))
    return sorted(out)


def menu_text(items: Sequence[Tuple[int, str, str]]) -> str:
    """The options as one short menu: ``Reply 1 for Skip`` for one, else a line each, with a run
    of result-detail options collapsed into ``1-3 Details``."""
    if not items:
        return ""
    if len(items) == 1:
        n, title, payload = items[0]
        return f"Reply {n} for {'details' if _DETAIL.match(payload) else title}"
    lines: List[str] = []
    run: List[int] = []

    def close() -> None:
        if run:
            key = str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"
            lines.append(f"{key} Details")
            run.clear()

    for n, title, payload in items:
        if _DETAIL.match(payload) and (not run or n == run[-1] + 1):
            run.append(n)
            continue
        close()
        if _DETAIL.match(payload):
            run.append(n)
            continue
        lines.append(f"{n} {title}")
    close()
    return "Reply:\n" + "\n".join(lines)


_ORDINALS = {
    "one": 1, "first": 1, "1st": 1, "two": 2, "second": 2, "2nd": 2, "three": 3, "third": 3,
    "3rd": 3, "four": 4, "fourth": 4, "4th": 4, "five": 5, "fifth": 5, "5th": 5, "six": 6,
    "sixth": 6, "6th": 6, "seven": 7, "seventh": 7, "7th": 7, "eight": 8, "eighth": 8,
    "8th": 8, "nine": 9, "ninth": 9, "9th": 9, "ten": 10, "tenth": 10, "10th": 10,
}
_CHOICE = re.compile(
    r"^(?:(?:option|number|no\.?|num|#)\s*)?(?:the\s+)?(?P<n>\d{1,2}|[a-z0-9]+?)"
    r"(?:\s+(?:one|option|please|pls|plz))?$")


def menu_choice(text: str) -> Optional[int]:
    """The menu number a reply means ("2", " 2.", "two", "the second one", "option 2"), else
    None: anything longer is a message, not a choice."""
    t = re.sub(r"[!?.,)]+$", "", (text or "").strip().lower()).strip()
    if not t or len(t) > 24:
        return None
    m = _CHOICE.match(re.sub(r"\s+", " ", t))
    if not m:
        return None
    word = m.group("n")
    if word.isdigit():
        return int(word) or None
    return _ORDINALS.get(word)


# -- carrier keywords -------------------------------------------------------------------------
def keyword(text: str) -> Optional[str]:
    """"stop" / "opt_in" / "help" / "forget" / "privacy" when the whole message is one such word
    (any case, spaces and punctuation around it ignored), else None. "I want to end it" is no keyword."""
    word = _PUNCT_EDGES.sub("", (text or "").strip()).upper()
    if not word or not word.isalpha():
        return None
    if word in OPT_OUT:
        return "stop"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return "help"
    if word in FORGET:
        return "forget"
    if word in PRIVACY:
        return "privacy"
    return None
