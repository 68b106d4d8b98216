"""Batch upsert of HSDS 3.0 service records: one set of multi-row statements per batch.

Rows are built in Python for every table touched by a batch of services, then written with
INSERT … ON CONFLICT (id) DO UPDATE (SQLite and PostgreSQL), after deleting the children the
services had before. Re-importing the same records therefore updates in place.
"""
from __future__ import annotations

import sys
import uuid
from datetime import datetime, timezone
from typing import (Any, Callable, Dict, List, Optional, Tuple)

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.directory import needs as needs_mod, fulltext
from bot.directory.dbapi import CHUNK, upsert_rows
from bot.directory.models import (Address, Attribute, Location, Organization, Phone, Schedule,
                                  Service, ServiceAtLocation, TaxonomyTerm)

DERIVED_NS = uuid.UUID("1b8e7a52-3c55-4d3e-9b1f-5f3c2a7d9e01")


def _in_chunks(session: Session, stmt_for, ids: List[str]) -> None:
    for i in range(0, len(ids), CHUNK):
        session.execute(stmt_for(ids[i:i + CHUNK]))


# derive_needs results by input: replicated or re-imported records share their terms and text,
# and the text classifier is the costliest step of building a record's rows.
_NEEDS_CACHE: Dict[Tuple[Any, ...], Tuple[Tuple[str, ...], str]] = {}
_NEEDS_CACHE_MAX = 50_000
_needs_cache_key: Tuple[Any, ...] = ()


def clear_caches() -> None:
    """Forget cached need derivations (the next batch starts afresh)."""
    global _needs_cache_key
    _NEEDS_CACHE.clear()
    _needs_cache_key = ()


def _needmap_state(needmap) -> Tuple[Any, ...]:
    """What ``derive_needs``' answers depend on: the functions of needmap and of the
    bot.directory modules it uses (the text classifier), and how often their cached tables and
    lexicon were loaded — a patched function or a reloaded table changes this key."""
    modules = {needmap.__name__: needmap}
    for value in vars(needmap).values():
        name = getattr(value, "__module__", None)
        if callable(value) and name and name.startswith("bot.directory.") \
                and name in sys.modules:
            modules.setdefault(name, sys.modules[name])
    key: List[Any] = []
    for name in sorted(modules):
        for attr, value in sorted(vars(modules[name]).items()):
            if callable(value) and not isinstance(value, type):
                key.append((name, attr, value))
                if hasattr(value, "cache_info"):
                    key.append(value.cache_info().misses)
    return tuple(key)


def _needs_deriver() -> Callable[[Tuple[Any, ...], Optional[str], Optional[str]],
                                 Tuple[Tuple[str, ...], str]]:
    """``needmap.derive_needs`` behind a cache keyed by its inputs (kept while needmap's
    functions and loaded tables are the ones it was filled with)."""
    global _needs_cache_key
    from bot.directory import needmap

    key = _needmap_state(needmap) + (needs_mod.taxonomy(),)
    if key != _needs_cache_key:
        _NEEDS_CACHE.clear()
        _needs_cache_key = key
    derive = needmap.derive_needs
    cache = _NEEDS_CACHE

    def derive_cached(terms: Tuple[Any, ...], name: Optional[str], description: Optional[str]
                      ) -> Tuple[Tuple[str, ...], str]:
        k = (terms, name, description)
        try:
            hit = cache.get(k)
        except TypeError:  # an unhashable value in a malformed record: no caching
            needs, source = derive(terms, name, description)
            return tuple(needs), source
        if hit is None:
            needs, source = derive(terms, name, description)
            hit = (tuple(needs), source)
            if len(cache) >= _NEEDS_CACHE_MAX:
                cache.clear()
            cache[k] = hit
        return hit

    return derive_cached


def _audience_text(rec: Dict[str, Any]) -> Optional[str]:
    """An Open Referral UK feed's target audiences ("pc_targetAudience": [{"audienceType":
    "Parents"}]), as words, when there are one or two of them (a long list is everyone)."""
    raw = rec.get("pc_targetAudience") or rec.get("target_audience")
    if not isinstance(raw, list):
        return None
    names = [str(a.get("audienceType") or "").split(">")[-1].strip() for a in raw
             if isinstance(a, dict)]
    names = [n for n in names if n]
    return f"for {' and '.join(names)} only" if 0 < len(names) <= 2 else None


def _read_eligibility(service: Dict[str, Any], rec: Dict[str, Any]) -> None:
    """Fill a service's empty HSDS eligibility (ages, description) from its words
    (bot/directory/eligibility.py); what the record gives is kept as it is."""
    from bot.directory import eligibility

    if service["minimum_age"] is not None and service["maximum_age"] is not None \
            and service["eligibility_description"]:
        return
    found = eligibility.read(service["name"], service["description"],
                             (service["eligibility_description"], _audience_text(rec)))
    if service["minimum_age"] is None and service["maximum_age"] is None:
        service["minimum_age"], service["maximum_age"] = found.minimum_age, found.maximum_age
    if not service["eligibility_description"] and found.phrases:
        service["eligibility_description"] = found.description()[:1000]


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
        self._derive = None  # set on the first record: needmap is imported lazily
        self._need_terms: Dict[str, Any] = {}

    def add(self, rec: Dict[str, Any], clean, num, dt) -> None:
        """Add one service record (``clean``/``num``/``dt`` are the loader's converters)."""
        get = rec.get
        sid = rec["id"]
        org = get("organization")
        org_id = None
        if isinstance(org, dict) and org.get("id") and org.get("name"):
            org_id = org["id"]
            self.orgs.append({"id": org_id, "name": clean(org["name"]),
                              "alternate_name": clean(org.get("alternate_name")),
                              "description": clean(org.get("description")) or "",
                              "email": org.get("email"), "website": org.get("website"),
                              "uri": org.get("uri")})
        elif get("organization_id"):
            org_id = rec["organization_id"]
        self.services.append({
            "id": sid, "organization_id": org_id, "name": clean(rec["name"]),
            "alternate_name": clean(get("alternate_name")),
            "description": clean(get("description")), "url": get("url"),
            "email": get("email"), "status": get("status") or "active",
            "application_process": clean(get("application_process")),
            "fees_description": clean(get("fees_description")),
            "eligibility_description": clean(get("eligibility_description")),
            "minimum_age": num(get("minimum_age")), "maximum_age": num(get("maximum_age")),
            "alert": clean(get("alert")),
            "last_modified": dt(get("last_modified")) or datetime.now(timezone.utc)})
        _read_eligibility(self.services[-1], rec)
        for ph in get("phones") or ():
            if isinstance(ph, dict) and ph.get("id") and ph.get("number"):
                self.phones.append({"id": ph["id"], "service_id": sid,
                                    "number": str(ph["number"]).strip().strip('"'),
                                    "extension": num(ph.get("extension")), "type": ph.get("type"),
                                    "description": clean(ph.get("description"))})
        for sch in get("schedules") or ():
            if isinstance(sch, dict) and sch.get("id"):
                g = sch.get
                self.schedules.append({
                    "id": sch["id"], "service_id": sid, "freq": g("freq"),
                    "byday": g("byday"), "opens_at": g("opens_at"),
                    "closes_at": g("closes_at"), "valid_from": g("valid_from"),
                    "valid_to": g("valid_to"), "description": clean(g("description")),
                    "notes": clean(g("notes"))})
        for sal in get("service_at_locations") or ():
            loc = sal.get("location") if isinstance(sal, dict) else None
            if not isinstance(loc, dict) or not loc.get("id") or not sal.get("id"):
                continue
            self._location(loc, org_id, clean, num)
            self.sals.append({"id": sal["id"], "service_id": sid, "location_id": loc["id"],
                              "description": clean(sal.get("description"))})
        terms_seen: List[tuple] = []
        linked: set = set()
        for att in get("attributes") or ():
            if not isinstance(att, dict) or not att.get("id"):
                continue
            term = att.get("taxonomy_term")
            if not isinstance(term, dict):
                term = {}
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
        self._derived_needs(sid, rec, tuple(terms_seen), linked)

    def _derived_needs(self, sid: str, rec: Dict[str, Any], terms: Tuple[tuple, ...],
                       linked: set) -> None:
        """Link the service to the navigator's needs: mapped from its taxonomy terms (AIRS,
        Open Eligibility) or, with no usable taxonomy, classified from its name and text."""
        if self._derive is None:
            self._derive = _needs_deriver()
            self._need_terms = needs_mod.taxonomy().by_code()
        needs, source = self._derive(terms, rec.get("name"), rec.get("description"))
        if not needs:
            return
        by_code = self._need_terms
        value = f"derived:{source}"
        for code in needs:
            term = by_code.get(code)
            if term is None or term.id in linked:
                continue
            self.attributes.append({"id": str(uuid.uuid5(DERIVED_NS, f"{sid}:need:{code}")),
                                    "link_id": sid, "link_type": "service",
                                    "link_entity": "service", "taxonomy_term_id": term.id,
                                    "value": value})

    def _location(self, loc: Dict[str, Any], org_id: Optional[str], clean, num) -> None:
        get = loc.get
        lat, lon = num(get("latitude")), num(get("longitude"))
        if lat is not None and not -90 <= lat <= 90 or lon is not None and not -180 <= lon <= 180:
            lat = lon = None
        loc_id = loc["id"]
        self.locations.append({"id": loc_id,
                               "location_type": get("location_type") or "physical",
                               "organization_id": get("organization_id") or org_id,
                               "name": clean(get("name")),
                               "description": clean(get("description")),
                               "latitude": lat, "longitude": lon})
        for adr in get("addresses") or ():
            if isinstance(adr, dict) and adr.get("id"):
                a = adr.get
                self.addresses.append({
                    "id": adr["id"], "location_id": loc_id, "attention": a("attention"),
                    "address_1": clean(a("address_1")) or "",
                    "address_2": clean(a("address_2")),
                    "city": clean(a("city")) or "", "region": a("region"),
                    "state_province": a("state_province") or "",
                    "postal_code": (a("postal_code") or "").strip().upper(),
                    "country": (a("country") or "")[:2].upper(),
                    "address_type": a("address_type") or "physical"})

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
        from bot.directory.needs import need_codes

        wanted = set(need_codes())
        term_ids = list({a["taxonomy_term_id"] for a in attributes})
        code_of: Dict[str, str] = {}
        for i in range(0, len(term_ids), CHUNK):
            code_of.update(session.execute(select(TaxonomyTerm.id, TaxonomyTerm.code).where(
                TaxonomyTerm.id.in_(term_ids[i:i + CHUNK]))).all())
        codes: Dict[str, set] = {sid: set() for sid in ids}  # no need: found by its words
        for a in attributes:
            code = code_of.get(a["taxonomy_term_id"])
            if code in wanted:
                codes.setdefault(a["link_id"], set()).add(code)
        services = {s["id"]: s for s in self.services}
        scheds: Dict[str, List[dict]] = {}
        for sch in {x["id"]: x for x in self.schedules}.values():
            scheds.setdefault(sch["service_id"], []).append(sch)
        towns: Dict[str, dict] = {}  # the index reads a located-by-address service's town
        for adr in sorted(self.addresses, key=lambda a: a["address_type"] == "postal"):
            towns.setdefault(adr["location_id"], {
                "city": adr["city"], "state_province": adr["state_province"],
                "country": adr["country"]})
        locs = {loc["id"]: {**loc, **towns.get(loc["id"], {})} for loc in self.locations}
        sals: Dict[str, List[dict]] = {}
        for sal in {x["id"]: x for x in self.sals}.values():
            sals.setdefault(sal["service_id"], []).append(locs[sal["location_id"]])
        rows = [r for sid, cs in codes.items() if sid in services
                for r in index.build_rows(services[sid], cs, scheds.get(sid, []),
                                          sals.get(sid, []))]
        index.write_rows(session, ids, rows)
        orgs = {o["id"]: o["name"] for o in self.orgs}
        fulltext.write(session, {sid: index.text_document(svc, orgs.get(svc["organization_id"]),
                                                          sals.get(sid, []))
                                 for sid, svc in services.items()})
