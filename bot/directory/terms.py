"""What to look for in the directory's words: the person's own words, and the need's.

``query_terms("im 19 and cant stop gambling on slots, help in scunthorpe", ["gambling"],
place="Scunthorpe")`` gives the words that carry meaning ("gambling", "slots", "stop
gambling"...), the words services use for them ("slots" -> "gambling"), and the need's own words
("problem gambling"). Places, ages and chat words ("im", "help", "near", "any") are left out.
Data: ``resources/mappings/search_terms.yml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

_WORD = re.compile(r"[a-z][a-z0-9+']*")


@dataclass(frozen=True)
class Terms:
    """Search terms: the person's own (and their synonyms), and the needs' words."""

    own: Tuple[str, ...]
    need: Tuple[str, ...]
    known: Tuple[str, ...] = ()  # the needs' words and the known words among the person's

    @property
    def specific(self) -> Tuple[str, ...]:
        """The directory's words for what the person named ("stop smoking" for "i smoke"):
        the known words that are not the needs' own."""
        return tuple(k for k in self.known if k not in self.need)

    def all(self) -> Tuple[str, ...]:
        """Every term, the person's first."""
        return tuple(dict.fromkeys(self.own + self.need))


@lru_cache(maxsize=1)
def _data() -> Tuple[Dict[str, Tuple[str, ...]], Dict[str, Tuple[str, ...]], frozenset]:
    raw = yaml.safe_load(resources.files("bot.resources").joinpath("mappings", "search_terms.yml")
                         .read_text("utf-8"))
    needs = {code: tuple(words) for code, words in raw["needs"].items()}
    synonyms = {phrase.lower(): tuple(words) for phrase, words in raw["synonyms"].items()}
    stop = frozenset(raw["stop"].split())
    return needs, synonyms, stop


@lru_cache(maxsize=1)
def _synonym_patterns() -> Tuple[Tuple["re.Pattern[str]", Tuple[str, ...]], ...]:
    """Each synonym phrase as a whole-word pattern, compiled once."""
    return tuple((re.compile(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])"), formal)
                 for phrase, formal in _data()[1].items())


def need_words(code: str) -> Tuple[str, ...]:
    """The words directories use for need ``code``."""
    return _data()[0].get(code, (code.replace("_", " "),))


def query_terms(text: str, needs: Sequence[str] = (), place: Optional[str] = None) -> Terms:
    """The search terms of a message (see the module docstring)."""
    stop = _data()[2]
    lowered = (text or "").lower().replace("’", "'")[:2000]
    words = _WORD.findall(lowered)
    place_words = set(_WORD.findall((place or "").lower()))
    kept: List[Tuple[int, str]] = []  # (position in the message, word)
    for i, w in enumerate(words):
        w = w.strip("'")
        if len(w) < 2 or w in stop or w in place_words or w.isdigit():
            continue
        if re.fullmatch(r"\d+[a-z]{0,3}", w):  # "19yo", "21f"
            continue
        kept.append((i, w))
    own: List[str] = []
    for k, (i, w) in enumerate(kept):
        own.append(w)
        if k + 1 < len(kept) and kept[k + 1][0] == i + 1:  # next to each other in the message
            own.append(f"{w} {kept[k + 1][1]}")  # "young carers", "sexual health", "food bank"
    joined = " ".join(words)
    known: List[str] = []
    for pattern, formal in _synonym_patterns():
        if pattern.search(joined):
            own.extend(formal)
            known.extend(formal)
    need: List[str] = []
    for code in needs:
        need.extend(need_words(code))
    return Terms(tuple(dict.fromkeys(own)), tuple(dict.fromkeys(need)),
                 tuple(dict.fromkeys(need + known)))
