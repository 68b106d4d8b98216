"""Text-only need classification: weighted need lexicons (``mappings/need_lexicon.yml``)
scored over a record's name and description, with context rules and thresholds. For
directories with no mappable taxonomy; no training data, works offline. How it was measured:
``docs/need_classification.md``."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.directory import needs as needs_mod

logger = logging.getLogger(__name__)


def _mapping_text(filename: str) -> str:
    return resources.files("bot.resources").joinpath("mappings", filename).read_text("utf-8")


@dataclass(frozen=True)
class _LexTerm:
    need: str
    words: Tuple[str, ...]  # lower-case words; a trailing "*" matches any ending
    weight: float
    blocker: bool  # a `not:` context phrase rather than evidence


@dataclass(frozen=True)
class Lexicon:
    """The need lexicon indexed by first word, and its scoring settings."""

    exact: Mapping[str, Tuple[_LexTerm, ...]]  # first word → terms
    stems: Mapping[str, Tuple[_LexTerm, ...]]  # first-word stem → terms
    weights: Mapping[Tuple[str, str], float]  # (need, term text) → weight
    needs: Tuple[str, ...]
    name_weight: float
    description_weight: float
    lead_weight: float
    rest_weight: float
    repeat_bonus: float
    threshold: float
    secondary_threshold: float
    relative: float
    max_needs: int
    need_threshold: Mapping[str, float]  # need → its own threshold (default: threshold)
    need_require: Mapping[str, float]  # need → weight its strongest counted term must reach
    contexts: Mapping[str, "_Context"]  # pseudo-need key ("~name") → context rule


@dataclass(frozen=True)
class _Context:
    """A text-level context rule: when one of its phrases occurs in one of ``fields``, the
    scores of ``needs`` (all when empty) are multiplied by ``scale``, and those needs are kept
    only when their strongest counted term weighs at least ``require``."""

    name: str
    scale: float
    fields: Tuple[str, ...]
    needs: Tuple[str, ...]
    require: float


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (a silently overridden lexicon weight)."""


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise ValueError(f"need_lexicon.yml: duplicate key(s) {sorted(map(str, dupes))}")
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _words(term: str) -> Tuple[str, ...]:
    words = tuple(term.lower().split())
    if not words or any(not re.fullmatch(r"[a-z0-9]+\*?", w) for w in words):
        raise ValueError(f"need_lexicon.yml: bad term {term!r} (words of a-z0-9, optional *)")
    return words


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load and index ``mappings/need_lexicon.yml``."""
    raw = yaml.load(_mapping_text("need_lexicon.yml"), Loader=_UniqueKeyLoader)  # noqa: S506
    settings = raw.get("settings") or {}
    known = needs_mod.need_codes()
    exact: Dict[str, List[_LexTerm]] = {}
    stems: Dict[str, List[_LexTerm]] = {}
    weights: Dict[Tuple[str, str], float] = {}
    need_threshold: Dict[str, float] = {}
    need_require: Dict[str, float] = {}
    for code, spec in (raw.get("needs") or {}).items():
        if code not in known:
            raise ValueError(f"need_lexicon.yml: unknown need code {code!r}")
        unknown = set(spec) - {"terms", "not", "threshold", "require"}
        if unknown:
            raise ValueError(f"need_lexicon.yml: {code}: unknown key(s) {sorted(unknown)}")
        if "threshold" in spec:
            need_threshold[code] = float(spec["threshold"])
        need_require[code] = float(spec.get("require", settings.get("require", 0.0)))
        entries = [(str(t), float(w), False) for t, w in (spec.get("terms") or {}).items()]
        entries += [(str(t), 0.0, True) for t in spec.get("not") or ()]
        for text, weight, blocker in entries:
            term = _LexTerm(code, _words(text), weight, blocker)
            if not blocker:
                weights[(code, " ".join(term.words))] = weight
            first = term.words[0]
            index = stems if first.endswith("*") else exact
            index.setdefault(first.rstrip("*"), []).append(term)
    contexts: Dict[str, _Context] = {}
    for cname, spec in (raw.get("contexts") or {}).items():
        unknown = set(spec) - {"terms", "not", "scale", "fields", "needs", "require"}
        if unknown:
            raise ValueError(f"need_lexicon.yml: context {cname}: unknown key(s) {sorted(unknown)}")
        fields = tuple(spec.get("fields") or ("name", "lead"))
        cneeds = tuple(spec.get("needs") or ())
        if set(fields) - {"name", "lead", "rest"} or set(cneeds) - set(known):
            raise ValueError(f"need_lexicon.yml: context {cname}: bad fields or needs")
        key = "~" + str(cname)
        contexts[key] = _Context(str(cname), float(spec.get("scale", 1.0)), fields, cneeds,
                                 float(spec.get("require", 0.0)))
        entries = [(str(t), False) for t in spec.get("terms") or ()]
        entries += [(str(t), True) for t in spec.get("not") or ()]
        for text, blocker in entries:
            term = _LexTerm(key, _words(text), 0.0, blocker)
            first = term.words[0]
            index = stems if first.endswith("*") else exact
            index.setdefault(first.rstrip("*"), []).append(term)
    freeze = lambda d: {k: tuple(v) for k, v in d.items()}  # noqa: E731
    needs = tuple(c for c in known if c in raw["needs"])
    logger.debug("loaded need lexicon: %d weighted terms", len(weights))
    return Lexicon(freeze(exact), freeze(stems), weights, needs,
                   float(settings.get("name_weight", 2.0)),
                   float(settings.get("description_weight", 1.0)),
                   float(settings.get("lead_weight", 1.0)), float(settings.get("rest_weight", 1.0)),
                   float(settings.get("repeat_bonus", 0.25)),
                   float(settings.get("threshold", 3.0)),
                   float(settings.get("secondary_threshold", settings.get("threshold", 3.0))),
                   float(settings.get("relative", 0.0)),
                   int(settings.get("max_needs", 4)), need_threshold, need_require, contexts)


_NOISE = re.compile(r"###\w+###|https?://\S+|www\.\S+|\S+@\S+")


def _tokens(text: Optional[str]) -> List[str]:
    """Lower-case word tokens; apostrophes dropped ("women's" → "womens"), "&" read as "and"."""
    text = _NOISE.sub(" ", text or "").lower()
    text = re.sub(r"['\u2019]", "", text).replace("&", " and ")
    return re.findall(r"[a-z0-9]+", text)


def _word_matches(word: str, token: str) -> bool:
    return token.startswith(word[:-1]) if word.endswith("*") else token == word


def _matches(tokens: Sequence[str], lex: Lexicon) -> List[Tuple[int, int, _LexTerm]]:
    """Every (start, end, term) whose words match the tokens at start..end."""
    found = []
    for i, tok in enumerate(tokens):
        candidates = list(lex.exact.get(tok, ()))
        for k in range(1, len(tok) + 1):
            candidates.extend(lex.stems.get(tok[:k], ()))
        for term in candidates:
            n = len(term.words)
            if i + n <= len(tokens) and all(_word_matches(w, tokens[i + j])
                                            for j, w in enumerate(term.words[1:], 1)):
                found.append((i, i + n, term))
    return found


def _field_hits(tokens: Sequence[str], lex: Lexicon) -> Dict[str, Dict[str, int]]:
    """need → {term text: count} over one field, after context rules and overlap removal:
    a term inside one of its need's `not:` phrases does not count, and of overlapping terms of
    one need the longest counts ("food bank" once, not also "food")."""
    by_need: Dict[str, List[Tuple[int, int, _LexTerm]]] = {}
    for m in _matches(tokens, lex):
        by_need.setdefault(m[2].need, []).append(m)
    out: Dict[str, Dict[str, int]] = {}
    for need, ms in by_need.items():
        blocked = [(a, b) for a, b, t in ms if t.blocker]
        kept = sorted(((a, b, t) for a, b, t in ms if not t.blocker
                       and not any(x <= a and b <= y for x, y in blocked)),
                      key=lambda m: (m[0], -(m[1] - m[0]), -len(" ".join(m[2].words))))
        end = 0
        for a, b, t in kept:
            if a < end:
                continue
            end = b
            key = " ".join(t.words)
            out.setdefault(need, {})[key] = out.get(need, {}).get(key, 0) + 1
    return out


def _field_score(hits: Mapping[str, int], need: str, lex: Lexicon) -> float:
    score = 0.0
    for term, n in hits.items():
        w = lex.weights[(need, term)]
        score += w * (1.0 + lex.repeat_bonus * min(n - 1, 2)) if w > 0 else w
    return score


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


# Sentences about the provider's own training ("I have a wide range of qualifications,
# training and experience from ... colleges"): they say who runs a service, not what it is for.
_CREDENTIALS = re.compile(
    r"(?i)\b(?:i|we|i'?m|i am|we'?re|we are|my|our (?:staff|team|volunteers|counsellors|"
    r"therapists|practitioners)|all (?:of )?our \w+)\b[^.!?]{0,80}\b(?:qualifications?|qualified|"
    r"accredited|accreditation|registered (?:with|member)|member of the|diploma|degree)\b|"
    r"\b(?:i'?m|i am) (?:also )?(?:a )?trained\b|\btraining,? qualifications\b")


def _fields(name: Optional[str], description: Optional[str],
            lex: Lexicon) -> List[Tuple[str, float, List[str]]]:
    """(label, weight, tokens) for the name, the description's lead sentence and the rest:
    a description's first sentence usually says what the service is, later ones list extras."""
    text = _NOISE.sub(" ", description or "").strip()
    parts = [p for p in _SENTENCE_END.split(text) if p.strip() and not _CREDENTIALS.search(p)]
    lead, rest = (parts[0], " ".join(parts[1:])) if parts else ("", "")
    return [("name", lex.name_weight, _tokens(name)),
            ("lead", lex.description_weight * lex.lead_weight, _tokens(lead)),
            ("rest", lex.description_weight * lex.rest_weight, _tokens(rest))]


def _score(name: Optional[str], description: Optional[str],
           lex: Lexicon) -> Tuple[Dict[str, float], Dict[str, float]]:
    """(raw score per need, weight of the strongest positive term counted per need)."""
    scores: Dict[str, float] = {}
    strongest: Dict[str, float] = {}
    active: List[_Context] = []
    for label, weight, tokens in _fields(name, description, lex):
        for need, hits in _field_hits(tokens, lex).items():
            if need in lex.contexts:
                if label in lex.contexts[need].fields:
                    active.append(lex.contexts[need])
                continue
            scores[need] = scores.get(need, 0.0) + weight * _field_score(hits, need, lex)
            best = max(lex.weights[(need, t)] for t in hits)
            if best > strongest.get(need, 0.0):
                strongest[need] = best
    for ctx in {c.name: c for c in active}.values():
        for need in scores:
            if not ctx.needs or need in ctx.needs:
                scores[need] *= ctx.scale
                if strongest.get(need, 0.0) < ctx.require:
                    scores[need] = min(scores[need], 0.0)
    return scores, strongest


def score_text(name: Optional[str], description: Optional[str]) -> Dict[str, float]:
    """Raw score per need over the weighted fields (only needs scoring above zero)."""
    scores, _ = _score(name, description, lexicon())
    return {need: s for need, s in scores.items() if s > 0}


def explain_text(name: Optional[str], description: Optional[str]) -> Dict[str, List[str]]:
    """The lexicon terms that counted, per need and field (for working on the lexicon)."""
    lex = lexicon()
    out: Dict[str, List[str]] = {}
    for label, _, tokens in _fields(name, description, lex):
        for need, terms in _field_hits(tokens, lex).items():
            out.setdefault(need, []).extend(f"{label}:{t}" + (f"×{n}" if n > 1 else "")
                                            for t, n in terms.items())
    return out


def classify_text(name: Optional[str], description: Optional[str]) -> List[str]:
    """Need codes for a record known only by its name and description, best first.

    A need is a candidate when its score reaches its threshold (the need's own ``threshold``,
    else the lexicon's) and its strongest counted term weighs at least its ``require``. The best
    candidate is kept; further ones when they also reach ``secondary_threshold`` and
    ``relative`` × the best score; at most ``max_needs`` needs are returned. Sub-needs
    ("gambling", "young carers": a parent in needs.yml) are chosen the same way among
    themselves and added after them: they refine a need, they never take a need's place.
    """
    lex = lexicon()
    scores, strongest = _score(name, description, lex)
    order = {c: i for i, c in enumerate(lex.needs)}
    ranked = sorted(((s, c) for c, s in scores.items()
                     if s >= lex.need_threshold.get(c, lex.threshold)
                     and strongest.get(c, 0.0) >= lex.need_require.get(c, 0.0)),
                    key=lambda sc: (-sc[0], order[sc[1]]))
    kept: List[str] = []
    for group in ([sc for sc in ranked if not needs_mod.parent_of(sc[1])],
                  [sc for sc in ranked if needs_mod.parent_of(sc[1])]):
        if group:
            top = group[0][0]
            chosen = [group[0][1]] + [c for s, c in group[1:]
                                      if s >= lex.secondary_threshold and s >= lex.relative * top]
            kept += chosen[:lex.max_needs]
    return kept


GUESS_FLOOR = 0.2  # the least confidence in a need that a long unclear message is taken as
GUESS_MIN_WORDS = 6  # a message this long that the model could not place still said something


def likely_need(text: str, intent_ranking: Sequence[Mapping[str, object]] = (),
                floor: float = GUESS_FLOOR, min_words: int = GUESS_MIN_WORDS) -> Optional[str]:
    """The need a long message most likely asks about when the model was not sure enough of
    any to search ("Got diagnosed with type 1 diabetes last month and I'm struggling to manage
    it, 22, sheffield": health), else None. In order: a need it names in so many words
    (``bot.directory.needs.keyword_needs``), the need the directory's own lexicon reads in it (as for a
    service's description), the model's best need at ``floor`` or more. Short messages ("hi",
    "are you a bot") are never guessed."""
    if len(re.findall(r"[A-Za-z]+", text or "")) < min_words:
        return None
    named = [c for c in needs_mod.keyword_needs(text) if c != "crisis"]
    if named:
        return needs_mod.order_by_urgency(named)[0]
    read = [c for c in classify_text(None, text) if c != "crisis"]
    if read:
        return read[0]
    for entry in intent_ranking or ():
        code = needs_mod.need_for_intent(str(entry.get("name", "")))
        if code and code != "crisis" and float(entry.get("confidence") or 0) >= floor:
            return code
    return None
