"""Read HSDS tabular data packages (HSDS 3.0 CSV or HSDS 1.x CSV) as HSDS 3.0 service dicts.

The dicts have the shape ``loader.load_services`` takes, so every format shares one upsert path.
Source ids ("136") become deterministic UUIDs, ``uuid5(NAMESPACE, "<source>:<table>:<id>")``
with ``source`` defaulting to the package ``name``; ids that already are UUIDs (HSDS 3.0) are
kept. ``open_datapackage`` reads and checks every file and raises ``ImportFileError`` for a broken
package before a single service is yielded; row-level problems are collected in ``problems``.
"""
from __future__ import annotations

import csv
import json
import logging
import re
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple, Union

from bot.directory.loader import ImportFileError

logger = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("5b0f7e3a-2c4d-5e6f-8a9b-0c1d2e3f4a5b")  # never change: ids depend on it
TEMPLATE_NAME = "human_services_data"  # the name left in the HSDS 1.x template descriptor
csv.field_size_limit(1 << 24)

# canonical resource name -> (standard file name, required columns), per HSDS major version
TABLES = {
    "3": {"service": ("services.csv", {"id", "name"}),
          "organization": ("organizations.csv", {"id", "name"}),
          "location": ("locations.csv", {"id"}),
          "address": ("addresses.csv", {"id", "location_id"}),
          "service_at_location": ("service_at_location.csv", {"id", "service_id", "location_id"}),
          "phone": ("phones.csv", {"id", "number"}), "schedule": ("schedules.csv", {"id"}),
          "attribute": ("attributes.csv", {"id", "link_id", "taxonomy_term_id"}),
          "taxonomy": ("taxonomies.csv", {"id", "name"}),
          "taxonomy_term": ("taxonomy_terms.csv", {"id", "name"})},
    "1": {"service": ("services.csv", {"id", "name"}),
          "organization": ("organizations.csv", {"id", "name"}),
          "location": ("locations.csv", {"id"}),
          "physical_address": ("physical_addresses.csv", {"location_id"}),
          "postal_address": ("postal_addresses.csv", {"location_id"}),
          "service_at_location": ("services_at_location.csv", {"service_id", "location_id"}),
          "phone": ("phones.csv", {"id", "number"}),
          "regular_schedule": ("regular_schedules.csv", {"weekday", "opens_at", "closes_at"}),
          "service_taxonomy": ("services_taxonomy.csv", {"service_id", "taxonomy_id"}),
          "taxonomy": ("taxonomy.csv", {"id", "name"}),
          "eligibility": ("eligibility.csv", {"service_id", "eligibility"})},
}
_V1_ONLY = {"regular_schedule", "holiday_schedule", "physical_address", "postal_address",
            "service_taxonomy", "eligibility"}
_V3_ONLY = {"schedule", "address", "attribute", "taxonomy_term", "cost_option", "url"}
_OTHER_ENTITIES = {"organization", "location", "service_at_location", "program", "contact"}
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_WEEKDAY = {name: i for i, names in enumerate(
    ["monday mon mo", "tuesday tues tue tu", "wednesday wed we", "thursday thurs thur thu th",
     "friday fri fr", "saturday sat sa", "sunday sun su"]) for name in names.split()}
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{1,2}))?(?::\d{2})?\s*(?:([ap])\.?\s*m?\.?)?(?![\d:])", re.I)
_CLOCK_COMPACT = re.compile(r"(\d{1,2})(\d{2})\s*([ap])", re.I)  # "830am"
_MOJIBAKE = re.compile("GÇ([\u0080-\u00ff\u0192\u2020-\u25a0])")  # ’ “ ” – read as cp437
_MARKER = re.compile(r"#{3}[A-Z]{2,5}#{3}")  # region tags such as ###MON###
_SCHEME = re.compile(r"^[a-z][\w+.-]*:", re.I)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def stable_id(source_key: str, table: str, source_id: str) -> str:
    """A UUID for a source row: kept when it already is one, else uuid5 of source/table/id."""
    if _UUID.match(source_id):
        return source_id.lower()
    return str(uuid.uuid5(NAMESPACE, f"{source_key}:{table}:{source_id}"))


def fix_text(value: str) -> str:
    """Repair export damage: literal "\\n", cp437-mangled punctuation, ###XXX### region tags."""
    if "\\" in value:
        value = value.replace("\\r", "").replace("\\n", "\n").replace("\\t", " ")
    if "GÇ" in value:
        value = _MOJIBAKE.sub(_unmangle, value).replace("\u200b", "")
    if "###" in value:
        value = _MARKER.sub("", value)
    return value.strip()


def _unmangle(m: "re.Match[str]") -> str:
    try:
        return (b"\xe2\x80" + m.group(1).encode("cp437")).decode("utf-8")
    except (UnicodeError, ValueError):
        return m.group(0)


def parse_clock(value: str) -> Tuple[Optional[str], bool]:
    """ "9:00am", "830am", "17:00:00" → ("HH:MM", had am/pm); (None, False) when unreadable."""
    value = value.strip()
    m = _CLOCK_COMPACT.match(value) or _CLOCK.match(value)
    if not m or m.re is _CLOCK and m.group(2) and len(m.group(2)) == 1 and m.group(2) != "0":
        return None, False
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if half and not 1 <= hour <= 12 or hour > 24 or minute > 59 or hour == 24 and minute:
        return None, False
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}", bool(half)


def _pick(row: Dict[str, str], *keys: str) -> Dict[str, Optional[str]]:
    return {k: row.get(k) or None for k in keys}


def _url(value: Optional[str]) -> Optional[str]:
    """Add the scheme a bare "www.example.org" lacks."""
    if value and " " not in value and "." in value and not _SCHEME.match(value):
        return "http://" + value.lstrip("/")
    return value or None


def _coords(row: Dict[str, str]) -> Optional[Tuple[float, float]]:
    try:
        lat, lon = float(row.get("latitude") or "nan"), float(row.get("longitude") or "nan")
    except ValueError:
        return None
    ok = -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0)
    return (lat, lon) if ok else None


class TabularPackage:
    """A checked data package; ``services()`` streams HSDS 3.0 service dicts."""

    def __init__(self, name: str, version: str, files: Dict[str, Path], last_modified: str):
        self.source_key, self.version, self.files = name, version, files
        self.format = "hsds-3.0-csv" if version == "3" else "hsds-1.x-csv"
        self.last_modified = last_modified  # for services whose rows carry none
        self.problems: List[Tuple[str, str]] = []  # (row reference, reason)
        self.taxonomies: List[Dict[str, Any]] = []
        self.terms: List[Dict[str, Any]] = []  # parents before children, parent_id resolved
        self.source_ids: Dict[str, str] = {}  # generated service id -> source id
        self.service_count = self.duplicate_links = 0
        self._sids: Set[str] = set()
        self._orgs: Dict[str, Dict[str, Any]] = {}
        self._by_service: Dict[str, Dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self._sal_service: Dict[str, str] = {}

    def _id(self, table: str, source_id: str) -> str:
        return stable_id(self.source_key, table, source_id)

    def _rows(self, table: str, note: bool = True) -> Iterator[Tuple[str, Dict[str, str]]]:
        """("file row N", row) with fixed text; ImportFileError when the file is broken."""
        path = self.files.get(table)
        if path is None:
            return
        required, line = TABLES[self.version][table][1], 1
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh, strict=True)  # an unclosed quote must not eat rows
                header = [h.strip().lower() for h in next(reader, [])]
                missing = sorted(required - set(header))
                if missing:
                    raise ImportFileError(f"{path.name}: missing required column(s): "
                                          f"{', '.join(missing)}")
                for line, values in enumerate(reader, start=2):
                    ref = f"{path.name} row {line}"
                    if len(values) > len(header):
                        if note:
                            self.problems.append((ref, "more fields than the header"))
                    elif any(values):
                        yield ref, {h: fix_text(v) for h, v in zip(header, values)}
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{path.name}: not UTF-8 text (after row {line}): "
                                  f"{exc.reason}") from exc
        except csv.Error as exc:
            raise ImportFileError(f"{path.name}: unreadable CSV after row {line}: {exc}") from exc
        except OSError as exc:
            raise ImportFileError(f"{path.name}: cannot read ({exc.strerror})") from exc

    def _link(self, ref: str, row: Dict[str, str], what: str) -> Optional[str]:
        """The source service id a row belongs to (directly or via service_at_location)."""
        sid = row.get("service_id") or self._sal_service.get(row.get("service_at_location_id", ""))
        if not sid:
            self.problems.append((ref, f"{what} without service_id; cannot be linked"))
        elif sid not in self._sids:
            self.problems.append((ref, f"{what} for a service not in services.csv"))
        return sid if sid in self._sids else None

    def prepare(self) -> "TabularPackage":
        """Check services.csv and read every side table into dicts keyed by service id."""
        for ref, row in self._rows("service"):
            if not row.get("id") or row["id"] in self._sids:
                self.problems.append((ref, "service without id or with a duplicate id; ignored"))
            self._sids.add(row.get("id") or "")
        self._sids.discard("")
        self.service_count = len(self._sids)
        for _ref, row in self._rows("organization"):
            self._orgs.setdefault(row["id"], {
                "id": self._id("organization", row["id"]), "name": row["name"],
                "description": row.get("description") or "",
                "website": _url(row.get("website") or row.get("url")),
                **_pick(row, "alternate_name", "email", "uri")})
        self._prepare_locations()
        for ref, row in self._rows("phone"):
            sid = self._link(ref, row, "phone")
            if sid and not (row["number"] and row["id"]):
                self.problems.append((ref, "phone without number or id"))
            elif sid:
                self._by_service[sid]["phones"].append({
                    "id": self._id("phone", row["id"]), "number": row["number"],
                    **_pick(row, "extension", "type", "description")})
        self._prepare_schedules()
        for ref, row in self._rows("eligibility") if self.version == "1" else ():
            sid = self._link(ref, row, "eligibility")
            if sid:
                self._by_service[sid]["eligibility"].append(row)
        self._prepare_taxonomy()
        return self

    def _prepare_locations(self) -> None:
        addresses: Dict[str, list] = defaultdict(list)
        for kind in ["address"] if self.version == "3" else ["physical_address", "postal_address"]:
            for ref, row in self._rows(kind):
                extra = [row.get(k) for k in ("address_2", "address_3", "address_4")]
                addresses[row["location_id"]].append({
                    "id": self._id("address", row.get("id") or f"{kind}:{ref}"),
                    "address_1": row.get("address_1") or "", "city": row.get("city") or "",
                    "address_2": ", ".join(x for x in extra if x) or None,
                    "state_province": row.get("state_province") or "",
                    "postal_code": row.get("postal_code") or "",
                    "country": row.get("country") or "",
                    "address_type": row.get("address_type") or kind.split("_")[0],
                    **_pick(row, "attention", "region")})
        locations: Dict[str, Dict[str, Any]] = {}
        for ref, row in self._rows("location"):
            coords = _coords(row)
            if coords is None and (row.get("latitude") or row.get("longitude")):
                self.problems.append((ref, "invalid or partial coordinates; location kept "
                                           "without them"))
            locations[row["id"]] = {
                "id": self._id("location", row["id"]), **_pick(row, "name", "description"),
                "location_type": row.get("location_type") or "physical",
                "latitude": coords[0] if coords else None,
                "longitude": coords[1] if coords else None,
                "addresses": addresses.get(row["id"], [])}
        for ref, row in self._rows("service_at_location"):
            sid = self._link(ref, row, "service_at_location")
            loc = locations.get(row["location_id"])
            if sid and loc is None:
                self.problems.append((ref, "service_at_location with a location not in "
                                           "locations.csv"))
            elif sid:
                key = row.get("id") or f"{sid}:{row['location_id']}"
                self._sal_service[key] = sid
                self._by_service[sid]["service_at_locations"].append({
                    "id": self._id("service_at_location", key), "location": loc,
                    "description": row.get("description") or None})

    def _prepare_schedules(self) -> None:
        """3.0 rows as they are; 1.x weekday rows → one WEEKLY schedule per set of hours."""
        groups: Dict[Tuple[str, str, str, str], Dict[str, Any]] = {}
        table = "schedule" if self.version == "3" else "regular_schedule"
        for ref, row in self._rows(table):
            if not row.get("service_id") and not row.get("service_at_location_id"):
                self.problems.append((ref, f"{table} for a location only; not imported"))
                continue
            sid = self._link(ref, row, table)
            if sid and self.version == "3":
                sch = _pick(row, "freq", "byday", "opens_at", "closes_at", "valid_from",
                            "valid_to", "description", "notes")
                for key in ("opens_at", "closes_at"):
                    sch[key] = parse_clock(sch[key])[0] if sch[key] else None
                self._by_service[sid]["schedules"].append({"id": self._id("schedule", row["id"]),
                                                           **sch})
            if not sid or self.version == "3":
                continue
            raw_day = row["weekday"].lower().rstrip(".")
            day = int(raw_day) - 1 if raw_day.isdigit() else _WEEKDAY.get(raw_day)  # ISO 1=Mon
            (opens, _), (closes, half) = parse_clock(row["opens_at"]), parse_clock(row["closes_at"])
            if day is None or not 0 <= day <= 6:
                self.problems.append((ref, "unreadable weekday"))
            elif opens is None or closes is None:
                self.problems.append((ref, "missing or unreadable opens_at/closes_at"))
            else:
                if not half and closes <= opens and int(closes[:2]) < 12:
                    closes = f"{int(closes[:2]) + 12:02d}{closes[2:]}"  # "5:00" after "8:00am"
                group = groups.setdefault((sid, row.get("location_id") or "", opens, closes),
                                          {"days": set(), "text": row.get("original_text")})
                group["days"].add(day)
        for (sid, loc, opens, closes), group in groups.items():
            self._by_service[sid]["schedules"].append({
                "id": self._id("schedule", f"{sid}:{loc}:{opens}-{closes}"), "freq": "WEEKLY",
                "byday": ",".join(DAYS[d] for d in sorted(group["days"])), "opens_at": opens,
                "closes_at": closes, "description": group["text"] or None})

    def _prepare_taxonomy(self) -> None:
        taxonomies: Dict[str, Dict[str, Any]] = {}
        terms: Dict[str, Dict[str, Any]] = {}
        parents: Dict[str, Tuple[str, str]] = {}  # term -> (parent, row reference)
        synthesized: Set[str] = set()  # parents known only from a child's parent_name
        for _ref, row in self._rows("taxonomy") if self.version == "3" else ():
            taxonomies[row["id"]] = {"id": self._id("taxonomy", row["id"]),
                                     **_pick(row, "name", "description", "uri", "version")}
        for ref, row in self._rows("taxonomy_term" if self.version == "3" else "taxonomy"):
            if row["id"] in terms and row["id"] not in synthesized:
                self.problems.append((ref, "duplicate taxonomy term id; first row kept"))
                continue
            vocab = row.get("vocabulary") or row.get("taxonomy") or ""
            tax_key = row.get("taxonomy_id")
            if self.version == "1" and vocab:
                tax_key = "AIRS" if "airs" in vocab.lower() else vocab
                taxonomies.setdefault(tax_key, {"id": self._id("taxonomy", tax_key),
                                                "name": tax_key, "description": vocab})
            elif tax_key and tax_key not in taxonomies:
                self.problems.append((ref, "taxonomy_id not in taxonomies.csv; term kept "
                                           "without it"))
            tax = taxonomies.get(tax_key or "")
            terms[row["id"]] = {
                "id": self._id("taxonomy_term", row["id"]), "name": row["name"],
                "code": row.get("code") or (row["id"] if self.version == "1" else None),
                "description": row.get("description") or "",
                "term_uri": row.get("term_uri") or None,
                "taxonomy": tax["name"] if tax else (vocab or None),
                "taxonomy_id": tax["id"] if tax else None, "parent_id": None}
            synthesized.discard(row["id"])
            parent = row.get("parent_id")
            if parent:
                parents[row["id"]] = (parent, ref)
                if parent not in terms and row.get("parent_name"):
                    synthesized.add(parent)
                    terms[parent] = {**terms[row["id"]], "id": self._id("taxonomy_term", parent),
                                     "code": parent, "name": row["parent_name"],
                                     "description": "", "term_uri": None}
        self.taxonomies = list(taxonomies.values())
        self._order_terms(terms, parents)
        self._prepare_links(terms)

    def _order_terms(self, terms: Dict[str, Dict[str, Any]],
                     parents: Dict[str, Tuple[str, str]]) -> None:
        """Link parents that exist (no cycles) and list parents before their children."""
        done: Set[str] = set()
        for start in terms:
            chain, node = [], start
            while node not in done and node in terms and node not in chain:
                chain.append(node)
                node = parents.get(node, ("", ""))[0]
            for child in reversed(chain):
                parent, ref = parents.get(child, ("", ""))
                if parent in done:
                    terms[child]["parent_id"] = terms[parent]["id"]
                elif parent:
                    self.problems.append((ref, "parent_id not in the taxonomy (or a cycle); "
                                               "term kept without parent"))
                done.add(child)
                self.terms.append(terms[child])

    def _prepare_links(self, terms: Dict[str, Dict[str, Any]]) -> None:
        """attributes.csv (3.0) or services_taxonomy.csv (1.x) → service attributes."""
        v3 = self.version == "3"
        table, sid_col, tid_col = (("attribute", "link_id", "taxonomy_term_id") if v3
                                   else ("service_taxonomy", "service_id", "taxonomy_id"))
        seen: Set[Tuple[str, str]] = set()
        for ref, row in self._rows(table):
            sid, tid = row[sid_col], row[tid_col]
            if v3 and (row.get("link_entity") or "").lower() in _OTHER_ENTITIES:
                self.problems.append((ref, "attribute of a non-service entity; not imported"))
            elif sid not in self._sids:
                self.problems.append((ref, f"{table} for a service not in services.csv"))
            elif tid not in terms:
                self.problems.append((ref, f"{tid_col} not in the taxonomy file"))
            elif (sid, tid) in seen:
                self.duplicate_links += 1
            else:
                seen.add((sid, tid))
                self._by_service[sid]["attributes"].append({
                    "id": self._id("attribute", row.get("id") or f"{sid}:{tid}"),
                    "value": row.get("value") or row.get("taxonomy_detail") or None,
                    "taxonomy_term": {k: terms[tid][k] for k in ("id", "code", "name",
                                                                 "description", "taxonomy")}})

    def services(self) -> Iterator[Dict[str, Any]]:
        """Stream the services as HSDS 3.0 dicts (org, phones, schedules, locations, terms)."""
        seen: Set[str] = set()
        for ref, row in self._rows("service", note=False):
            src = row.get("id")
            if not src or src in seen:
                continue
            seen.add(src)
            sid = self._id("service", src)
            self.source_ids[sid] = src
            nested = self._by_service.get(src, {})
            org = self._orgs.get(row.get("organization_id") or "")
            if row.get("organization_id") and org is None:
                self.problems.append((ref, "organization_id not in organizations.csv; service "
                                           "kept without organisation"))
            rec = _pick(row, "name", "alternate_name", "description", "email",
                        "application_process", "eligibility_description", "minimum_age",
                        "maximum_age", "alert")
            rec.update(
                id=sid, organization=org, url=_url(row.get("url")),
                status=(row.get("status") or "active").lower(),
                fees_description=row.get("fees_description") or row.get("fees") or None,
                last_modified=row.get("last_modified") or self.last_modified,
                **{k: nested.get(k, []) for k in ("phones", "schedules", "service_at_locations",
                                                  "attributes")})
            elig = nested.get("eligibility", [])
            if elig:  # HSDS 1.x eligibility rows: text, and ages only where columns give them
                texts = [rec["eligibility_description"] or ""] + [e["eligibility"] for e in elig]
                rec["eligibility_description"] = "\n".join(t for t in texts if t) or None
                for key in ("minimum_age", "maximum_age"):
                    values = {e[key] for e in elig if e.get(key)}
                    rec[key] = rec[key] or (values.pop() if len(values) == 1 else None)
            yield rec


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path``, symbolic links followed, is within the package ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _descriptor(path: Path) -> Tuple[Path, Dict[str, Any]]:
    root = path if path.is_dir() else path.parent
    file = root / "datapackage.json" if path.is_dir() else path
    if not file.is_file():
        raise ImportFileError(f"{root}: no datapackage.json; not a tabular data package")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{file}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ImportFileError(f"{file}: cannot read ({exc.strerror})") from exc
    link = text.strip()
    if link.endswith(".json") and "\n" not in link and not link.startswith(("{", "[")):
        # a symbolic link checked out as a plain file (the HSDS 3.0 CSV example ships one)
        if (root / link).is_file() and (root / link).resolve() != file.resolve():
            if not _inside(root, root / link):
                raise ImportFileError(f"{file}: links to {link!r}, outside the package")
            return root, _descriptor(root / link)[1]
        logger.warning("%s is a link to a missing %s; assuming the standard HSDS 3.0 file names",
                       file.name, link)
        return root, {"resources": [{"name": n, "path": f} for n, (f, _) in TABLES["3"].items()
                                    if (root / f).is_file()]}
    try:
        desc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{file}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(desc, dict) or not isinstance(desc.get("resources"), list):
        raise ImportFileError(f"{file}: not a data package descriptor (no 'resources' list)")
    return root, desc


def _version(root: Path, declared: Dict[str, Tuple[Path, Set[str]]]) -> str:
    """"1" or "3", from the resource names (and the service fields when those are ambiguous)."""
    names, fields = set(declared), declared.get("service", (None, set()))[1]
    if "service" not in names:
        raise ImportFileError(f"{root}: datapackage.json lists no 'service' resource")
    if names & _V1_ONLY and not names & _V3_ONLY:
        return "1"
    if names & _V3_ONLY and not names & _V1_ONLY or "eligibility_description" in fields:
        return "3"
    return "1" if "fees" in fields else "3"


def open_datapackage(path: Union[str, Path], source_key: Optional[str] = None) -> TabularPackage:
    """Read and check a package directory (or its datapackage.json); nothing is written."""
    root, desc = _descriptor(Path(path))
    declared: Dict[str, Tuple[Path, Set[str]]] = {}
    for res in (r for r in desc["resources"] if isinstance(r, dict)):
        rel = res.get("path")
        rel = rel[0] if isinstance(rel, list) and len(rel) == 1 else rel
        if not isinstance(rel, str):
            continue
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ImportFileError(f"{root}: resource path {rel!r} points outside the package")
        name = str(res.get("name") or "").lower()
        if not any(name in tables for tables in TABLES.values()):  # e.g. "services"
            name = next((n for tables in TABLES.values() for n, (f, _) in tables.items()
                         if f == Path(rel).name), name)
        fields = {f.get("name") for f in (res.get("schema") or {}).get("fields", [])
                  if isinstance(f, dict)}
        found = next((p for p in (root / rel, root / "data" / rel) if p.is_file()), root / rel)
        if found.exists() and not _inside(root, found):  # a symbolic link out of the package
            raise ImportFileError(f"{root}: resource path {rel!r} points outside the package")
        declared[name] = (found, fields)
    version = _version(root, declared)
    if not declared["service"][0].is_file():
        raise ImportFileError(f"{root}: {declared['service'][0].name} (services) is missing")
    files = {n: p for n, (p, _) in declared.items() if n in TABLES[version] and p.is_file()}
    key = source_key or str(desc.get("name") or root.name)
    if key == TEMPLATE_NAME:
        logger.warning("package keeps the template name %r: give each such source its own "
                       "source key if several share one database", key)
    modified = desc.get("last_modified") or desc.get("created") or datetime.fromtimestamp(
        files["service"].stat().st_mtime, timezone.utc).isoformat()
    logger.info("reading an HSDS %s package (%d tables)", "3.0" if version == "3" else "1.x",
                len(files))
    return TabularPackage(key, version, files, str(modified)).prepare()


def read_datapackage(path: Union[str, Path], source_key: Optional[str] = None
                     ) -> Iterator[Dict[str, Any]]:
    """HSDS 3.0 service dicts from a tabular package; ImportFileError raised before yielding."""
    return open_datapackage(path, source_key).services()
