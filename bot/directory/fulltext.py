"""Full-text search over the directory's own words, in the database.

* SQLite (the embedded default): an FTS5 table ``service_fts`` (porter stemming, accents
  folded), ranked by ``bm25`` with a service's name weighing three times its other text.
* PostgreSQL: ``service_text.doc``, a ``tsvector`` with the name at weight A and the rest at B
  (English stemming), a GIN index, ranked by ``ts_rank_cd``.

Where a service is: each document also holds grid-cell tokens (:func:`cells`), one per half
degree of latitude and longitude its locations fall in, or ``cellany`` for a service with no
located place. A search near a point matches only the cells around it (and ``cellany``), so
the database intersects the words with the place instead of ranking the whole country.

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
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

NAME_WEIGHT = 3.0
CELL_DEGREES = 0.5
ANYWHERE = "cellany"
KM_PER_DEGREE = 111.2
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CHUNK = 500


def cell(latitude: float, longitude: float) -> str:
    """The grid-cell token of a point."""
    return f"c{int((latitude + 90) // CELL_DEGREES)}x{int((longitude + 180) // CELL_DEGREES)}"


def cells(points: Iterable[Tuple[Optional[float], Optional[float]]]) -> str:
    """The cell tokens of a service's located places (``cellany`` when it has none)."""
    found = sorted({cell(lat, lon) for lat, lon in points if lat is not None and lon is not None})
    return " ".join(found) or ANYWHERE


def cells_near(latitude: float, longitude: float, radius_km: float) -> List[str]:
    """The cell tokens within ``radius_km`` of a point (a block of cells), and ``cellany``."""
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(0.05, math.cos(math.radians(latitude))))
    out = []
    lat = latitude - dlat
    while lat <= latitude + dlat + CELL_DEGREES:
        lon = longitude - dlon
        while lon <= longitude + dlon + CELL_DEGREES:
            out.append(cell(max(-89.999, min(89.999, lat)), ((lon + 180) % 360) - 180))
            lon += CELL_DEGREES
        lat += CELL_DEGREES
    return list(dict.fromkeys(out)) + [ANYWHERE]


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
        stmt = text("INSERT INTO service_fts (service_id, name, body, cells) "
                    "VALUES (:sid, :name, :body, :cells)")
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


def match(session: Session, terms: Iterable[str], limit: int = 200,
          near: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Services whose text holds any of ``terms``, with a relevance score (higher is better),
    at most ``limit`` of them, best first; only those in the cells ``near`` when given
    (:func:`cells_near`)."""
    cleaned = _clean_terms(terms)
    if not cleaned:
        return {}
    params: dict = {"lim": limit}
    if _dialect(session) == "sqlite":
        query = f"({_fts5_query(cleaned)})"
        if near:
            query += " AND cells : (" + " OR ".join(c for c in near if c.isalnum()) + ")"
        sql = (f"SELECT service_id, -bm25(service_fts, 0.0, {NAME_WEIGHT}, 1.0, 0.0) AS score "
               f"FROM service_fts WHERE service_fts MATCH :q ORDER BY score DESC LIMIT :lim")
        params["q"] = query
    else:
        query = " || ".join(f"phraseto_tsquery('english', :t{i})" for i in range(len(cleaned)))
        if near:
            query = f"({query}) && to_tsquery('simple', :cells)"
            params["cells"] = " | ".join(c for c in near if c.isalnum())
        sql = (f"SELECT service_id, ts_rank_cd(doc, q) AS score FROM service_text, "
               f"(SELECT {query} AS q) AS query WHERE doc @@ q ORDER BY score DESC LIMIT :lim")
        params.update({f"t{i}": t for i, t in enumerate(cleaned)})
    return {r.service_id: float(r.score) for r in session.execute(text(sql), params)}
