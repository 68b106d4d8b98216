"""Full-text search over the directory's own words, in the database.

* SQLite (the embedded default): an FTS5 table ``service_fts`` (porter stemming, accents
  folded), ranked by ``bm25`` with a service's name weighing three times its other text.
* PostgreSQL: ``service_text.doc``, a ``tsvector`` with the name at weight A and the rest at B
  (English stemming), a GIN index, ranked by ``ts_rank_cd``.

Where a service is: each document also holds grid-cell tokens (:func:`cells`) for the places
its locations fall in, at two sizes (a twentieth and a half of a degree), or ``cellany`` for a
service with no located place. A search near a point matches the small cells around it first
and the cells within the radius only when few services match there (and always ``cellany``:
in SQLite the services with no place have the last rowids, so that token's list is one short
run), so the database intersects the words with the place instead of ranking the whole
country, and a dense city costs no more than a village. Where the search index already found
enough of the need's services close by, the radius for the words is as far as those go.

One interface for both: :func:`refresh` keeps the text in step with the directory (the search
index calls it on every import), and :func:`match` returns the services whose text holds any
of the query terms with a relevance score (higher is better; only the order within one query
means anything). Terms are single words or phrases; they are matched whole (stemmed), never as
SQL or FTS syntax.
"""
from __future__ import annotations

import logging
import math
import re
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

NAME_WEIGHT = 3.0
COMMON_SHARE = 0.003 # a term in more than this share of the services does not narrow a search
COMMON_FLOOR = 300   # ... and never one in fewer than this many (small directories keep all)
PHRASE_WORD_SPREAD = 5  # a phrase's rarest word may be in this many times the cap (above)
STATS_TTL_S = 300.0  # document frequencies are cached this long per process
CELL_SIZES = ((0.05, "f"), (0.5, "c"))  # (degrees, token prefix): fine first, then coarse
ANYWHERE = "cellany"
ANYWHERE_ROWID = 1 << 40  # SQLite: documents of services with no place have rowids from here
KM_PER_DEGREE = 111.2
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CHUNK = 500


def cell(latitude: float, longitude: float, size: Tuple[float, str] = CELL_SIZES[1]) -> str:
    """The grid-cell token of a point at one cell size."""
    deg, prefix = size
    return f"{prefix}{int((latitude + 90) // deg)}x{int((longitude + 180) // deg)}"


def cells(points: Iterable[Tuple[Optional[float], Optional[float]]]) -> str:
    """The cell tokens of a service's located places, at every size (``cellany`` when it has
    none)."""
    found = sorted({cell(lat, lon, size) for lat, lon in points
                    if lat is not None and lon is not None for size in CELL_SIZES})
    return " ".join(found) or ANYWHERE


def _block(latitude: float, longitude: float, km: float, size: Tuple[float, str]) -> List[str]:
    deg = size[0]
    dlat = km / KM_PER_DEGREE
    dlon = km / (KM_PER_DEGREE * max(0.05, math.cos(math.radians(latitude))))
    out = []
    lat = latitude - dlat
    while lat <= latitude + dlat + deg:
        lon = longitude - dlon
        while lon <= longitude + dlon + deg:
            out.append(cell(max(-89.999, min(89.999, lat)), ((lon + 180) % 360) - 180, size))
            lon += deg
        lat += deg
    return list(dict.fromkeys(out))


def _pair(latitude: float, longitude: float, size: Tuple[float, str]) -> List[str]:
    """The 2 x 2 cells of ``size`` around a point: its own and the neighbours on the sides it
    is nearer to, so the block reaches at least half a cell from the point every way."""
    deg = size[0]
    fi, fj = (latitude + 90) / deg, (longitude + 180) / deg
    di = deg if fi - math.floor(fi) >= 0.5 else -deg
    dj = deg if fj - math.floor(fj) >= 0.5 else -deg
    return list(dict.fromkeys(
        cell(max(-89.999, min(89.999, latitude + a)), ((longitude + b + 180) % 360) - 180, size)
        for a in (0.0, di) for b in (0.0, dj)))


FINE_RING_KM = 15.0  # a radius up to this is searched in small cells
MAX_RING_CELLS = 400  # more large cells than this in the radius: search without a place


def cells_near(latitude: float, longitude: float, radius_km: float) -> List[List[str]]:
    """Where to look around a point, nearest first, each with ``cellany``: the 2 x 2 small
    cells around it, then every cell within ``radius_km`` (small cells up to FINE_RING_KM,
    large ones beyond). Few tokens per look keep the database's intersection of words and
    place cheap."""
    rings: List[List[str]] = []
    deg = CELL_SIZES[1][0]
    span = 2 * radius_km / KM_PER_DEGREE / deg + 2
    wide = span * span / max(0.05, math.cos(math.radians(latitude))) > MAX_RING_CELLS
    # A radius wider than MAX_RING_CELLS large cells (a search "however far"): the last look
    # is everywhere, with no place in the query at all.
    # Within a few kilometres the small cells are the finer net (a dense city: the search
    # index found enough of the need's services that close).
    size = CELL_SIZES[0] if radius_km <= FINE_RING_KM else CELL_SIZES[1]
    for block in (_pair(latitude, longitude, CELL_SIZES[0]),
                  [] if wide else _block(latitude, longitude, radius_km, size)):
        ring = block + [ANYWHERE] if block else []
        if not rings or set(ring) != set(rings[-1]):
            rings.append(ring)
    return rings


def document(name: Optional[str], *parts: Optional[str], where: str = ANYWHERE) -> Dict[str, str]:
    """The text of one service as it is indexed: its name, the rest joined, its cells."""
    return {"name": (name or "").strip(),
            "body": "\n".join(p.strip() for p in parts if p and p.strip()), "cells": where}


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _delete(session: Session, ids: Sequence[str]) -> None:
    table = "service_fts" if _dialect(session) == "sqlite" else "service_text"
    for i in range(0, len(ids), _CHUNK):
        session.execute(text(f"DELETE FROM {table} WHERE service_id IN :ids")
                        .bindparams(bindparam("ids", expanding=True)),
                        {"ids": list(ids[i:i + _CHUNK])})


def write(session: Session, docs: Dict[str, Dict[str, str]], replace: bool = True) -> int:
    """Store the documents of the given services (replacing what was there)."""
    if not docs:
        return 0
    ids = list(docs)
    if replace:
        _delete(session, ids)
    rows = [{"sid": sid, "name": d["name"], "body": d["body"], "cells": d.get("cells", ANYWHERE)}
            for sid, d in docs.items()]
    if _dialect(session) == "sqlite":
        # Services with no place get rowids from ANYWHERE_ROWID up, so the ``cellany`` token's
        # document list is one short run at the end (see :func:`_query`); both ranges are
        # numbered here, as SQLite's own next rowid would follow the highest.
        last = {True: session.execute(text("SELECT max(rowid) FROM service_fts WHERE rowid >= :b"),
                                      {"b": ANYWHERE_ROWID}).scalar() or ANYWHERE_ROWID - 1,
                False: session.execute(text("SELECT max(rowid) FROM service_fts WHERE rowid < :b"),
                                       {"b": ANYWHERE_ROWID}).scalar() or 0}
        for row in rows:
            anywhere = row["cells"] == ANYWHERE
            last[anywhere] += 1
            row["rid"] = last[anywhere]
        stmt = text("INSERT INTO service_fts (rowid, service_id, name, body, cells) "
                    "VALUES (:rid, :sid, :name, :body, :cells)")
    else:
        stmt = text("INSERT INTO service_text (service_id, doc) VALUES (:sid, "
                    "setweight(to_tsvector('english', :name), 'A') || "
                    "setweight(to_tsvector('english', :body), 'B') || "
                    "setweight(to_tsvector('simple', :cells), 'D'))")
    for i in range(0, len(rows), 2000):
        session.execute(stmt, rows[i:i + 2000])
    return len(rows)


def clear(session: Session) -> None:
    """Remove every document (before a full rebuild)."""
    table = "service_fts" if _dialect(session) == "sqlite" else "service_text"
    session.execute(text(f"DELETE FROM {table}"))


def count_words(session: Session) -> None:
    """PostgreSQL: recount how many services hold each word (``service_lexeme``, which
    searches read instead of counting). Called in the transaction that changed the documents,
    so the counts change with them; readers are not blocked (``CONCURRENTLY``). SQLite counts
    from its FTS5 index as it searches: nothing to do."""
    if _dialect(session) == "postgresql":
        session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY service_lexeme"))


def remove(session: Session, service_ids: Sequence[str]) -> None:
    """Remove the documents of ``service_ids``."""
    _delete(session, list(service_ids))


def _clean_terms(terms: Iterable[str]) -> List[str]:
    out: List[str] = []
    for term in terms:
        words = _WORD.findall((term or "").lower().replace("’", "'"))
        phrase = " ".join(words)
        if phrase and phrase not in out:
            out.append(phrase)
    return out


def _fts5_query(terms: Sequence[str]) -> str:
    # Each term quoted: FTS5 reads it as a phrase of tokens, never as query syntax.
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)


_STATS: Dict[str, Tuple[Optional[float], Dict[str, int], bool]] = {}


def _count(session: Session, term: Optional[str], upto: int = 0) -> int:
    """How many services hold ``term`` (None: all services), counted no further than ``upto``
    (0: all): past that a term is common, and counting a common phrase's every document
    costs the most (PostgreSQL rechecks each one's positions)."""
    if term is None:
        table = "service" if _dialect(session) == "sqlite" else "service_text"
        return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    if _dialect(session) == "sqlite":
        inner, params = ("SELECT 1 FROM service_fts WHERE service_fts MATCH :q",
                         {"q": _fts5_query([term])})
    else:
        inner, params = ("SELECT 1 FROM service_text WHERE doc @@ "
                         "phraseto_tsquery('english', :q)", {"q": term})
    if upto:
        inner += f" LIMIT {int(upto)}"
    return session.execute(text(f"SELECT count(*) FROM ({inner}) AS hits"), params).scalar_one()


def _lexeme_counts(session: Session, terms: List[str]) -> Dict[str, int]:
    """PostgreSQL: for each term, the fewest services holding any one of its words, read from
    ``service_lexeme`` (migration 0014, refreshed by every import) in one query. Exact for a
    one-word term, an upper bound for a phrase; a term of stop words only holds nothing (0)."""
    rows = session.execute(text(
        "SELECT t.term, min(coalesce(l.ndoc, 0)) FROM unnest(CAST(:terms AS text[])) AS t(term) "
        "CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', t.term))) AS w(lex) "
        "LEFT JOIN service_lexeme l ON l.lexeme = w.lex GROUP BY t.term"), {"terms": terms})
    found = {term: int(n) for term, n in rows}
    return {t: found.get(t, 0) for t in terms}


def _counts(session: Session, terms: Iterable[str]) -> Dict[str, int]:
    """How many services hold each term (``""``: all services), cached per process for
    ``STATS_TTL_S``; exact up to the most any decision here reads (selective's word limit),
    no further."""
    key = str(session.get_bind().url)
    now = time.monotonic()
    stamp, counts, read = _STATS.get(key, (None, {}, False))
    if stamp is None or now - stamp > STATS_TTL_S:
        counts = {"": _count(session, None)}
        # The word counts are read only where a load has filled them (see count_words).
        read = _dialect(session) == "postgresql" and counts[""] > 0 and session.execute(
            text("SELECT EXISTS (SELECT 1 FROM service_lexeme)")).scalar_one()
        _STATS[key] = (now, counts, read)
    upto = int(PHRASE_WORD_SPREAD * max(COMMON_FLOOR, COMMON_SHARE * counts[""]) + 1)
    new = [t for t in dict.fromkeys(terms) if t not in counts]
    if new and read:
        # A word's count is read, not counted; a phrase is counted only when its rarest word
        # is rare enough for any decision to read the phrase's own count (past ``upto`` the
        # bound decides the same as the count would).
        bounds = _lexeme_counts(session, new)
        for term in new:
            if " " not in term or bounds[term] == 0 or bounds[term] >= upto:
                counts[term] = min(bounds[term], upto)
        new = [t for t in new if t not in counts]
    for term in new:
        counts[term] = _count(session, term, upto)
    return counts


def selective(session: Session, terms: Sequence[str]) -> List[str]:
    """The terms that narrow a search: those in at most ``COMMON_SHARE`` of the services (or
    ``COMMON_FLOOR``, whichever is more). A word in a tenth of a 100,000-service directory
    ("help", "housing") ranks nothing and costs the most; the search index's need tags carry
    it instead. A phrase also needs one word in at most ``PHRASE_WORD_SPREAD`` times that
    many: the database reads every document of its rarest word to find it ("care worker" is
    rare, but reading every "care" and "worker" is not cheap)."""
    words = {w for t in terms if " " in t for w in t.split()}
    counts = _counts(session, list(terms) + sorted(words))
    cap = max(COMMON_FLOOR, COMMON_SHARE * counts[""])
    return [t for t in terms if 0 < counts[t] <= cap
            and min(counts[w] for w in t.split()) <= PHRASE_WORD_SPREAD * cap]


MAX_PHRASES = 5  # of the person's words, and of the needs' words: the rarest (the database
#                 reads every document of each phrase it ranks by)


def _rarest(session: Session, terms: List[str]) -> List[str]:
    counts = _counts(session, terms)
    keep = set(sorted(terms, key=lambda t: counts[t])[:MAX_PHRASES])
    return [t for t in terms if t in keep]


ENOUGH_NEAR = 4  # a ring holding a quarter of the limit is enough: the need index adds more
RING_OVERFETCH = 3  # rows read per ring, times the limit (see match)
ONE_LOOK_MAX = 1500  # SQLite: at most this many matches anywhere are read in one look


BOOST = 3  # a boosted term (the person's own words) counts this many times in the score


def match(session: Session, terms: Iterable[str], limit: int = 200,
          near: Optional[Sequence[Sequence[str]]] = None,
          required: Optional[Iterable[str]] = None,
          boosted: Iterable[str] = ()) -> Dict[str, float]:
    """Services whose text holds any of ``terms``, with a relevance score (higher is better):
    the best ``limit``, and with ``near`` up to ``limit`` more of the ring's placed ones.
    ``boosted`` terms (the person's own words) count ``BOOST`` times in the score.
    ``required``: a service must also hold one of these. ``near`` (:func:`cells_near`): the
    rings of cells to look in, nearest first; the next ring is searched only when the first
    holds fewer than ``limit`` services (and none when at most ``limit`` services in the
    directory hold a required term). Only :func:`selective` terms
    are searched."""
    boost = _rarest(session, selective(session, _clean_terms(boosted)))
    scored = _rarest(session, [t for t in selective(session, _clean_terms(terms))
                               if t not in boost])
    must = selective(session, _clean_terms(required)) if required is not None \
        else scored + boost
    if not (scored or boost) or not must:
        return {}
    counts = _counts(session, must)
    total = sum(counts[t] for t in must)
    if near is None or total <= limit:
        # Few services in the whole directory hold the words: all of them, wherever they are,
        # in one look (the search drops those beyond the radius).
        return {sid: score for sid, score, _, _ in _query(session, scored, boost, must, limit,
                                                          None)}
    if _dialect(session) == "sqlite" and total <= ONE_LOOK_MAX:
        # SQLite's bm25 reads every document of every token in the query to weigh it, cell
        # tokens included (a city's cells hold thousands): with few matches in the whole
        # directory, one look without the place, its rows then sorted into rings here.
        everywhere = _query(session, scored, boost, must, total, None)

        def look(ring: Sequence[str]) -> List[Tuple[str, float, bool, frozenset]]:
            keep = set(ring)
            return [r for r in everywhere if not keep or keep & r[3]]
    else:
        def look(ring: Sequence[str]) -> List[Tuple[str, float, bool, frozenset]]:
            return _query(session, scored, boost, must, limit * RING_OVERFETCH, ring)
    hits: Dict[str, float] = {}
    for ring in near:
        # Services with no place match in every ring and may fill the best ``limit``; a few
        # more rows show whether the ring holds enough placed ones (its own services are
        # kept), so a wider ring is searched only when it is needed.
        rows = look(ring)
        placed_rows = [r for r in rows if r[2]]
        hits = {r[0]: r[1] for r in rows[:limit]}
        hits.update((r[0], r[1]) for r in placed_rows[:limit])
        # Enough services with a place in this ring, or the whole radius searched.
        if len(placed_rows) >= max(1, limit // ENOUGH_NEAR):
            break
    return hits


def holding(session: Session, terms: Iterable[str]) -> set:
    """The services whose text holds any of ``terms`` (only :func:`selective` ones: few
    services hold each, so this is one cheap look)."""
    words = selective(session, _clean_terms(terms))
    if not words:
        return set()
    if _dialect(session) == "sqlite":
        return set(session.execute(text("SELECT service_id FROM service_fts WHERE service_fts "
                                        "MATCH :q"), {"q": _fts5_query(words)}).scalars())
    params: dict = {}
    return set(session.execute(text(f"SELECT service_id FROM service_text WHERE doc @@ "
                                    f"({_pg_any(params, 't', words)})"), params).scalars())


def _pg_any(params: dict, prefix: str, items: List[str]) -> str:
    """A tsquery matching any of ``items`` as phrases, their values bound into ``params``."""
    params.update({f"{prefix}{i}": t for i, t in enumerate(items)})
    return " || ".join(f"phraseto_tsquery('english', :{prefix}{i})"
                       for i in range(len(items))) or "''::tsquery"


def _query(session: Session, scored: List[str], boost: List[str], must: List[str], limit: int,
           ring: Optional[Sequence[str]]) -> List[Tuple[str, float, bool, frozenset]]:
    """(service id, score, whether it has a place, its cell tokens: SQLite only) of the best
    ``limit`` matches in ``ring`` (the cell tokens, ``cellany`` among them) or anywhere."""
    params: dict = {"lim": limit}
    where = [c for c in ring or () if c.isalnum()]
    if _dialect(session) == "sqlite":
        # bm25 sums over the query's phrases: a phrase given BOOST times counts BOOST times.
        # ``cellany`` costs little: services with no place have the last rowids (see write),
        # so its document list is one short run at the end.
        query = f"({_fts5_query(must)}) AND ({_fts5_query(scored + boost * BOOST)})"
        if where:
            query += " AND cells : (" + " OR ".join(where) + ")"
        sql = (f"SELECT service_id, -bm25(service_fts, 0.0, {NAME_WEIGHT}, 1.0, 0.0) AS score, "
               f"rowid < {ANYWHERE_ROWID} AS placed, cells FROM service_fts WHERE service_fts "
               "MATCH :q ORDER BY score DESC LIMIT :lim")
        params["q"] = query
    else:
        filt = f"({_pg_any(params, 'm', must)})"
        if where:
            filt += " && to_tsquery('simple', :cells)"
            params["cells"] = " | ".join(where)
        rank, boosted = _pg_any(params, "t", scored), _pg_any(params, "b", boost)
        sql = (f"SELECT service_id, ts_rank_cd(doc, r) + {BOOST} * ts_rank_cd(doc, b) AS score, "
               f"NOT doc @@ to_tsquery('simple', '{ANYWHERE}') AS placed, '' AS cells "
               f"FROM service_text, (SELECT {rank} AS r, {boosted} AS b, "
               f"{filt} AS f) AS query WHERE doc @@ f ORDER BY score DESC LIMIT :lim")
    return [(r.service_id, float(r.score), bool(r.placed), frozenset(r.cells.split()))
            for r in session.execute(text(sql), params)]
