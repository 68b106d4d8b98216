"""Import a directory from any supported source through the one HSDS 3.0 upsert path.

``import_path`` takes an HSDS 3.0 JSON file, or a tabular data package (HSDS 3.0 or 1.x CSV: the
directory or its ``datapackage.json``), and loads it in ONE transaction: a broken source raises
``ImportFileError`` and leaves the database as it was.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

from sqlalchemy import or_, func, select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from bot.directory import fulltext, index
from bot.directory.loader import (ImportFileError, ImportReport, hold_transaction, load_services,
                                  read_services_file)
from bot.directory.tabular import TabularPackage, open_datapackage
from bot.directory.models import (Attribute, Location, Phone, Schedule, Service, ServiceAtLocation,
                                  Taxonomy, TaxonomyTerm)

logger = logging.getLogger(__name__)

_CHUNK = 500  # ids per IN (...) query: well under SQLite's bound-parameter limit


@dataclass
class DirectoryImportReport(ImportReport):
    """``ImportReport`` plus what came with the services and the source rows left out."""

    source: str = ""
    format: str = ""
    organizations: int = 0
    locations: int = 0
    locations_with_coordinates: int = 0
    phones: int = 0
    schedules: int = 0
    taxonomy_terms: int = 0
    taxonomy_links: int = 0
    need_links: int = 0  # links to the navigator's needs derived from taxonomy or text
    duplicate_links: int = 0  # repeated (service, term) rows merged into one link
    row_problems: List[Tuple[str, str]] = field(default_factory=list)  # (row reference, reason)

    def summary(self) -> str:
        """One paragraph for the CLI."""
        feed = f"feed ({self.format}): {self.source}; " \
            if self.format.startswith("open-referral-uk") else ""
        text = (f"{feed}{self.loaded} services loaded, {len(self.skipped)} skipped; "
                f"{self.organizations} organisations, {self.locations} locations "
                f"({self.locations_with_coordinates} with coordinates), {self.phones} phones, "
                f"{self.schedules} schedules, {self.taxonomy_terms} taxonomy terms, "
                f"{self.taxonomy_links} taxonomy links, {self.need_links} derived need links")
        if self.duplicate_links:
            text += f" ({self.duplicate_links} duplicate link rows merged)"
        if self.row_problems:
            text += f"; {len(self.row_problems)} source rows skipped or adjusted"
        return text

    def problem_groups(self) -> List[Tuple[str, int]]:
        """(reason, count) over skipped services and source rows, most frequent first."""
        return Counter(reason for _, reason in self.skipped + self.row_problems).most_common()


def _source_kind(path: Path) -> str:
    if path.is_dir() or path.name.lower() == "datapackage.json":
        return "tabular"
    if path.suffix.lower() == ".json":
        return "json"
    if not path.exists():
        raise ImportFileError(f"{path}: cannot read (no such file or directory)")
    raise ImportFileError(f"{path}: expected an HSDS .json file, a data package directory or "
                          "its datapackage.json")


def _upsert_taxonomy(session: Session, package: TabularPackage) -> None:
    """Create or update the package's taxonomies and terms (parents first, parent_id kept)."""
    for model, rows in ((Taxonomy, package.taxonomies), (TaxonomyTerm, package.terms)):
        existing: Dict[str, Any] = {}
        ids = [r["id"] for r in rows]
        for i in range(0, len(ids), _CHUNK):
            existing.update((o.id, o) for o in session.scalars(
                select(model).where(model.id.in_(ids[i:i + _CHUNK]))))
        changed = []
        for row in rows:
            values = {k: v for k, v in row.items() if hasattr(model, k)}
            values["description"] = values.get("description") or ""
            if row["id"] in existing:
                changed.append((existing[row["id"]], values))
            else:
                session.add(model(**values))
        session.flush()  # new rows first: an updated term may point at a new parent
        for obj, values in changed:
            for key, value in values.items():
                if getattr(obj, key) != value:
                    setattr(obj, key, value)
        session.flush()


def _counted(records: Iterable[Any], seen: List[str], bar: tqdm) -> Iterator[Any]:
    """Pass records through, remembering their ids and ticking the progress bar."""
    for rec in records:
        if isinstance(rec, dict) and rec.get("id"):
            seen.append(str(rec["id"]))
        yield rec
        bar.update(1)


def _tally(session: Session, ids: List[str], report: DirectoryImportReport) -> None:
    """Count, in the database, what the loaded services now have."""
    orgs: Set[str] = set()
    locations: Dict[str, bool] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        orgs.update(o for o in session.scalars(
            select(Service.organization_id).where(Service.id.in_(chunk))) if o)
        for loc_id, lat, lon in session.execute(
                select(Location.id, Location.latitude, Location.longitude)
                .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
                .where(ServiceAtLocation.service_id.in_(chunk))):
            locations[loc_id] = lat is not None and lon is not None
        for attr, col in (("phones", Phone.service_id), ("schedules", Schedule.service_id)):
            n = session.execute(select(func.count()).where(col.in_(chunk))).scalar_one()
            setattr(report, attr, getattr(report, attr) + n)
        derived = Attribute.value.like("derived:%")
        links = select(func.count()).select_from(Attribute).where(
            Attribute.link_type == "service", Attribute.link_id.in_(chunk))
        report.taxonomy_links += session.execute(
            links.where(or_(Attribute.value.is_(None), ~derived))).scalar_one()
        report.need_links += session.execute(links.where(derived)).scalar_one()
    report.organizations = len(orgs)
    report.locations = len(locations)
    report.locations_with_coordinates = sum(locations.values())


def import_path(session_factory: sessionmaker, path: Union[str, Path], progress: bool = True,
                source_key: Optional[str] = None, fetcher: Any = None) -> DirectoryImportReport:
    """Import an HSDS JSON file, a tabular package or an Open Referral UK feed (an http(s)
    URL: bot/directory/oruk.py) in one transaction; return what happened.

    ``source_key`` (tabular only) namespaces the generated ids; it defaults to the package name.
    """
    feed = None
    if isinstance(path, str) and path.lower().startswith(("http://", "https://")):
        from bot.directory import oruk

        try:
            feed_records, feed = oruk.fetch(path, fetcher, progress=progress)
        except oruk.FeedError as exc:
            raise ImportFileError(str(exc)) from exc
        path = Path(urlsplit(path).netloc or "feed")
    path = Path(path)
    package: Optional[TabularPackage] = None
    if feed is not None:
        records = feed_records
        total, fmt = len(records), f"open-referral-uk-{feed.version}"
    elif _source_kind(path) == "tabular":
        package = open_datapackage(path, source_key)
        records: Iterable[Any] = package.services()
        total, fmt = package.service_count, package.format
    else:
        records = read_services_file(path)
        total, fmt = len(records), "hsds-3.0-json"
    report = DirectoryImportReport(source=str(path), format=fmt)
    seen: List[str] = []
    with session_factory() as session, session.begin():
        hold_transaction(session)
        if package is not None:
            _upsert_taxonomy(session, package)
            report.taxonomy_terms = len(package.terms)
        with tqdm(total=total, unit="service", desc="importing",
                  disable=None if progress else True) as bar:
            base = load_services(session, _counted(records, seen, bar))
        skipped_ids = {rid for rid, _ in base.skipped}
        loaded = [sid for sid in seen if sid not in skipped_ids]
        _tally(session, loaded, report)
        fulltext.count_words(session)
        engine = session.get_bind()
    index.after_import(engine)
    report.loaded = base.loaded
    names = package.source_ids if package is not None else {}
    report.skipped = [(f"service {names[rid]}" if rid in names else rid, reason)
                      for rid, reason in base.skipped]
    if package is not None:
        report.row_problems = list(package.problems)
        report.duplicate_links = package.duplicate_links
    if feed is not None:
        report.row_problems = list(feed.problems)
        report.source = f"{feed.pages} pages, {feed.listed} listed, {feed.details_fetched} " \
                        f"completed from /services/{{id}}"
    logger.info("imported %s (%s): %d services loaded, %d skipped, %d source rows left out",
                path.name, fmt, report.loaded, len(report.skipped), len(report.row_problems))
    return report
