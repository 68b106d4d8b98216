"""Batch upsert of HSDS 3.0 service records: one set of multi-row statements per batch.

Rows are built in Python for every table touched by a batch of services, then written with
INSERT … ON CONFLICT (id) DO UPDATE (SQLite and PostgreSQL), after deleting the children the
services had before. Re-importing the same records therefore updates in place.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import needs as needs_mod
from bot.models import (Address, Attribute, Location, Organization, Phone, Schedule, Service,
                        ServiceAtLocation, TaxonomyTerm)

CHUNK = 500
DERIVED_NS = uuid.UUID("1b8e7a52-3c55-4d3e-9b1f-5f3c2a7d9e01")


def _cols(model) -> List[str]:
    return [c.name for c in model.__table__.columns]


def _full(model, row: Dict[str, Any]) -> Dict[str, Any]:
    """Every column present (executemany needs uniform keys)."""
    return {c: row.get(c) for c in _cols(model)}


def dbapi_insert(session: Session, model, rows: List[Dict[str, Any]], upsert: bool) -> bool:
    """Write ``rows`` with one DB-API ``executemany`` (INSERT, or INSERT … ON CONFLICT (id)
    DO UPDATE when ``upsert``); values go through the columns' SQLAlchemy bind processors so
    they are stored exactly as the ORM would store them. False if the database is not SQLite or
    PostgreSQL (the caller then uses the ORM)."""
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name not in ("sqlite", "postgresql") or \
            dialect.paramstyle not in ("qmark", "format", "pyformat"):
        return False
    if not rows:
        return True
    cols = list(rows[0])
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {model.__tablename__} ({', '.join(cols)}) "
           f"VALUES ({', '.join([mark] * len(cols))})")
    if upsert:
        sql += " ON CONFLICT (id) DO UPDATE SET " + ", ".join(
            f"{c} = excluded.{c}" for c in cols if c != "id")
    pairs = [(c, model.__table__.c[c].type.bind_processor(dialect)) for c in cols]
    values = [tuple(p(r.get(c)) if p else r.get(c) for c, p in pairs) for r in rows]
    for i in range(0, len(values), CHUNK * 4):
        conn.exec_driver_sql(sql, values[i:i + CHUNK * 4])
    return True


def upsert_rows(session: Session, model, rows: Iterable[Dict[str, Any]]) -> int:
    """Insert or update ``rows`` by primary key ``id``; the last duplicate wins."""
    unique = [_full(model, r) for r in {r["id"]: r for r in rows}.values()]
    if unique and not dbapi_insert(session, model, unique, upsert=True):
        for r in unique:  # any other database: the ORM's portable, slower merge
            session.merge(model(**r))
    return len(unique)


def _in_chunks(session: Session, stmt_for, ids: List[str]) -> None:
    for i in range(0, len(ids), CHUNK):
        session.execute(stmt_for(ids[i:i + CHUNK]))


class BatchRows:
    """Rows for every table, gathered from a batch of validated service records."""

    def __init__(self) -> None:
        self.orgs: List[dict] = []
        self.services: List[dict] = []
        self.phones: List[dict] = []
        self.schedules: List[dict] = []
        self.locations: List[dict] = []
        self.addresses: List[dict] = []
        self.sals: List[dict] = []
        self.attributes: List[dict] = []
        self.terms: Dict[str, dict] = {}
        self.attr_terms: Dict[str, dict] = {}

    def add(self, rec: Dict[str, Any], clean, num, dt) -> None:
        """Add one service record (``clean``/``num``/``dt`` are the loader's converters)."""
        sid = rec["id"]
        org = rec.get("organization")
        org_id = None
        if isinstance(org, dict) and org.get("id") and org.get("name"):
            org_id = org["id"]
            self.orgs.append({"id": org_id, "name": clean(org["name"]),
                              "alternate_name": clean(org.get("alternate_name")),
                              "description": clean(org.get("description")) or "",
                              "email": org.get("email"), "website": org.get("website"),
                              "uri": org.get("uri")})
        elif rec.get("organization_id"):
            org_id = rec["organization_id"]
        self.services.append({
            "id": sid, "organization_id": org_id, "name": clean(rec["name"]),
            "alternate_name": clean(rec.get("alternate_name")),
            "description": clean(rec.get("description")), "url": rec.get("url"),
            "email": rec.get("email"), "status": rec.get("status") or "active",
            "application_process": clean(rec.get("application_process")),
            "fees_description": clean(rec.get("fees_description")),
            "eligibility_description": clean(rec.get("eligibility_description")),
            "minimum_age": num(rec.get("minimum_age")), "maximum_age": num(rec.get("maximum_age")),
            "alert": clean(rec.get("alert")),
            "last_modified": dt(rec.get("last_modified")) or datetime.now(timezone.utc)})
        for ph in rec.get("phones") or []:
            if isinstance(ph, dict) and ph.get("id") and ph.get("number"):
                self.phones.append({"id": ph["id"], "service_id": sid,
                                    "number": str(ph["number"]).strip().strip('"'),
                                    "extension": num(ph.get("extension")), "type": ph.get("type"),
                                    "description": clean(ph.get("description"))})
        for sch in rec.get("schedules") or []:
            if isinstance(sch, dict) and sch.get("id"):
                self.schedules.append({
                    "id": sch["id"], "service_id": sid, "freq": sch.get("freq"),
                    "byday": sch.get("byday"), "opens_at": sch.get("opens_at"),
                    "closes_at": sch.get("closes_at"), "valid_from": sch.get("valid_from"),
                    "valid_to": sch.get("valid_to"), "description": clean(sch.get("description")),
                    "notes": clean(sch.get("notes"))})
        for sal in rec.get("service_at_locations") or []:
            loc = sal.get("location") if isinstance(sal, dict) else None
            if not isinstance(loc, dict) or not loc.get("id") or not sal.get("id"):
                continue
            self._location(loc, org_id, clean, num)
            self.sals.append({"id": sal["id"], "service_id": sid, "location_id": loc["id"],
                              "description": clean(sal.get("description"))})
        terms_seen: List[tuple] = []
        linked: set = set()
        for att in rec.get("attributes") or []:
            if not isinstance(att, dict) or not att.get("id"):
                continue
            term = att.get("taxonomy_term") if isinstance(att.get("taxonomy_term"), dict) else {}
            tid = term.get("id") or att.get("taxonomy_term_id")
            if not tid:
                continue
            linked.add(tid)
            terms_seen.append((term.get("taxonomy"), term.get("code"), term.get("name")))
            if term.get("name"):
                self.terms[tid] = {"id": tid, "code": term.get("code"), "name": term["name"],
                                   "description": term.get("description") or "",
                                   "taxonomy": term.get("taxonomy"),
                                   "taxonomy_id": term.get("taxonomy_id"),
                                   "parent_id": term.get("parent_id"),
                                   "term_uri": term.get("term_uri")}
            self.attributes.append({"id": att["id"], "link_id": sid, "link_type": "service",
                                    "link_entity": "service", "taxonomy_term_id": tid,
                                    "value": att.get("value")})
        self._derived_needs(sid, rec, terms_seen, linked)

    def _derived_needs(self, sid: str, rec: Dict[str, Any], terms: List[tuple],
                       linked: set) -> None:
        """Link the service to the navigator's needs: mapped from its taxonomy terms (AIRS,
        Open Eligibility) or, with no usable taxonomy, classified from its name and text."""
        from bot.directory.needmap import derive_needs

        needs, source = derive_needs(terms, rec.get("name"), rec.get("description"))
        by_code = needs_mod.taxonomy().by_code()
        for code in needs:
            term = by_code.get(code)
            if term is None or term.id in linked:
                continue
            self.attributes.append({"id": str(uuid.uuid5(DERIVED_NS, f"{sid}:need:{code}")),
                                    "link_id": sid, "link_type": "service",
                                    "link_entity": "service", "taxonomy_term_id": term.id,
                                    "value": f"derived:{source}"})

    def _location(self, loc: Dict[str, Any], org_id: Optional[str], clean, num) -> None:
        lat, lon = num(loc.get("latitude")), num(loc.get("longitude"))
        if lat is not None and not -90 <= lat <= 90 or lon is not None and not -180 <= lon <= 180:
            lat = lon = None
        self.locations.append({"id": loc["id"],
                               "location_type": loc.get("location_type") or "physical",
                               "organization_id": loc.get("organization_id") or org_id,
                               "name": clean(loc.get("name")),
                               "description": clean(loc.get("description")),
                               "latitude": lat, "longitude": lon})
        for adr in loc.get("addresses") or []:
            if isinstance(adr, dict) and adr.get("id"):
                self.addresses.append({
                    "id": adr["id"], "location_id": loc["id"], "attention": adr.get("attention"),
                    "address_1": clean(adr.get("address_1")) or "",
                    "address_2": clean(adr.get("address_2")),
                    "city": clean(adr.get("city")) or "", "region": adr.get("region"),
                    "state_province": adr.get("state_province") or "",
                    "postal_code": (adr.get("postal_code") or "").strip().upper(),
                    "country": (adr.get("country") or "")[:2].upper(),
                    "address_type": adr.get("address_type") or "physical"})

    def write(self, session: Session) -> None:
        """Write the batch: parents upserted, old children replaced."""
        known_terms = set()
        term_ids = list({a["taxonomy_term_id"] for a in self.attributes})
        for i in range(0, len(term_ids), CHUNK):
            known_terms.update(session.execute(select(TaxonomyTerm.id).where(
                TaxonomyTerm.id.in_(term_ids[i:i + CHUNK]))).scalars())
        new_terms = [t for tid, t in self.terms.items() if tid not in known_terms]
        upsert_rows(session, TaxonomyTerm, new_terms)
        usable = known_terms | {t["id"] for t in new_terms}
        upsert_rows(session, Organization, self.orgs)
        known_orgs = {o["id"] for o in self.orgs}
        missing = list({s["organization_id"] for s in self.services
                        if s["organization_id"] and s["organization_id"] not in known_orgs})
        for i in range(0, len(missing), CHUNK):
            known_orgs.update(session.execute(select(Organization.id).where(
                Organization.id.in_(missing[i:i + CHUNK]))).scalars())
        for s in self.services:
            if s["organization_id"] not in known_orgs:
                s["organization_id"] = None
        ids = [s["id"] for s in self.services]
        upsert_rows(session, Service, self.services)
        for model, col in ((Phone, Phone.service_id), (Schedule, Schedule.service_id),
                           (ServiceAtLocation, ServiceAtLocation.service_id)):
            _in_chunks(session, lambda chunk, m=model, c=col: delete(m).where(c.in_(chunk)), ids)
        _in_chunks(session, lambda chunk: delete(Attribute).where(
            Attribute.link_id.in_(chunk), Attribute.link_type == "service"), ids)
        upsert_rows(session, Location, self.locations)
        loc_ids = list({loc["id"] for loc in self.locations})
        _in_chunks(session, lambda chunk: delete(Address).where(Address.location_id.in_(chunk)),
                   loc_ids)
        upsert_rows(session, Address, self.addresses)
        upsert_rows(session, Phone, self.phones)
        upsert_rows(session, Schedule, self.schedules)
        upsert_rows(session, ServiceAtLocation, self.sals)
        attributes = [a for a in self.attributes if a["taxonomy_term_id"] in usable]
        upsert_rows(session, Attribute, attributes)
        self._write_index(session, ids, attributes)

    def _write_index(self, session: Session, ids: List[str], attributes: List[dict]) -> None:
        """Search-index rows straight from the batch (no read-back of what was written)."""
        from bot.directory import index
        from bot.needs import need_codes

        wanted = set(need_codes())
        term_ids = list({a["taxonomy_term_id"] for a in attributes})
        code_of: Dict[str, str] = {}
        for i in range(0, len(term_ids), CHUNK):
            code_of.update(session.execute(select(TaxonomyTerm.id, TaxonomyTerm.code).where(
                TaxonomyTerm.id.in_(term_ids[i:i + CHUNK]))).all())
        codes: Dict[str, set] = {}
        for a in attributes:
            code = code_of.get(a["taxonomy_term_id"])
            if code in wanted:
                codes.setdefault(a["link_id"], set()).add(code)
        services = {s["id"]: s for s in self.services}
        scheds: Dict[str, List[dict]] = {}
        for sch in {x["id"]: x for x in self.schedules}.values():
            scheds.setdefault(sch["service_id"], []).append(sch)
        locs = {loc["id"]: loc for loc in self.locations}
        sals: Dict[str, List[dict]] = {}
        for sal in {x["id"]: x for x in self.sals}.values():
            sals.setdefault(sal["service_id"], []).append(locs[sal["location_id"]])
        rows = [r for sid, cs in codes.items()
                for r in index.build_rows(services[sid], cs, scheds.get(sid, []),
                                          sals.get(sid, []))]
        index.write_rows(session, ids, rows)
