"""Split a long message into parts a channel accepts, on the most natural boundary available:
paragraphs, then sentences, then words, and only as a last resort inside a word."""
from __future__ import annotations

import re
from typing import Callable, List

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> List[str]:
    """Parts of ``text`` each with ``measure(part) <= limit``, joined back they read the same
    (whitespace at the cut points aside). ``measure`` lets SMS count GSM-7 septets instead of
    characters."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if not text:
        return []
    if measure(text) <= limit:
        return [text]
    parts: List[str] = []
    _pack(re.split(r"\n\s*\n", text), "\n\n", limit, measure, parts)
    return parts


def _pack(pieces: List[str], sep: str, limit: int, measure: Callable[[str], int],
          out: List[str]) -> None:
    current = ""
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        candidate = f"{current}{sep}{piece}" if current else piece
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            out.append(current)
            current = ""
        if measure(piece) <= limit:
            current = piece
            continue
        finer = _finer(piece, sep)
        if finer is None:  # one word longer than the limit: cut it
            current = _cut(piece, limit, measure, out)
        else:
            sub: List[str] = []
            _pack(finer[0], finer[1], limit, measure, sub)
            out.extend(sub[:-1])
            current = sub[-1] if sub else ""
    if current:
        out.append(current)


def _finer(piece: str, sep: str):
    if sep == "\n\n":
        lines = piece.split("\n")
        if len(lines) > 1:
            return lines, "\n"
        sep = "\n"
    if sep == "\n":
        sentences = _SENTENCE.split(piece)
        if len(sentences) > 1:
            return sentences, " "
        sep = "sentence"
    words = piece.split()
    if len(words) > 1 and sep != "word":
        return words, " "
    return None


def _cut(word: str, limit: int, measure: Callable[[str], int], out: List[str]) -> str:
    while measure(word) > limit:
        n = limit
        while n > 1 and measure(word[:n]) > limit:
            n -= 1
        out.append(word[:n])
        word = word[n:]
    return word
