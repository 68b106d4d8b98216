"""Import an Open Referral UK feed by URL: how UK councils publish their directories.

``navigator import https://<feed>/`` pages through the feed's ``/services`` list, in either of
the two API shapes in use:

* ORUK v1 (``{"totalElements", "totalPages", "number", "size", "first", "last", "content":
  [...]}``, records in the HSDS 1.x style: ``regular_schedules``, ``physical_addresses``,
  ``eligibilitys``, ``contacts[].phones``, ``service_taxonomys``);
* ORUK v3 / the HSDS 3.0 API (``{"total_items", "total_pages", "page_number", "size",
  "first_page", "last_page", "contents": [...]}``, records already HSDS 3.0).

A list item that carries only a summary (no description, locations or organisation) is
completed from ``/services/{id}``. Requests are retried politely (429 and 5xx with back-off,
``Retry-After`` honoured), progress is shown, and what could not be fetched or read is
reported. v1 records are converted to HSDS 3.0 and everything goes through the one upsert path
(``bot.directory.loader``), so a re-run updates the directory in place.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

import httpx

logger = logging.getLogger(__name__)

PER_PAGE = 50
MAX_PAGES = 10000
ATTEMPTS = 4
TIMEOUT_S = 30.0
USER_AGENT = "youth-pathway-navigator (Open Referral UK importer)"
_SUMMARY_ONLY = ("description", "service_at_locations", "organization")


class FeedError(ValueError):
    """The feed cannot be read at all (nothing is imported)."""


@dataclass
class FeedReport:
    """What fetching a feed did."""

    pages: int = 0
    listed: int = 0
    details_fetched: int = 0
    problems: List[Tuple[str, str]] = field(default_factory=list)  # (what, why)
    version: str = ""


def services_url(url: str) -> str:
    """The feed's ``/services`` endpoint from the URL a user gives (the API root or the list)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FeedError(f"{url!r} is not an http(s) URL")
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class Fetcher:
    """GET with polite retries (a shared client; ``sleep`` is replaceable in tests)."""

    def __init__(self, client: Optional[httpx.Client] = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client or httpx.Client(timeout=TIMEOUT_S, follow_redirects=True,
                                             headers={"User-Agent": USER_AGENT,
                                                      "Accept": "application/json"})
        self.sleep = sleep

    def get(self, url: str, params: Optional[Dict[str, Any]] = None) -> Any:
        """The JSON at ``url``; :class:`FeedError` after the retries, saying why."""
        why = ""
        for attempt in range(ATTEMPTS):
            try:
                resp = self.client.get(url, params=params)
            except httpx.HTTPError as exc:
                why = type(exc).__name__
            else:
                if resp.status_code == 200:
                    try:
                        return resp.json()
                    except ValueError:
                        raise FeedError(f"{resp.url}: not JSON") from None
                why = f"HTTP {resp.status_code}"
                if resp.status_code not in (408, 425, 429) and resp.status_code < 500:
                    raise FeedError(f"{resp.url}: {why}")
                retry_after = resp.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    self.sleep(min(float(retry_after), 30.0))
                    continue
            self.sleep(min(2.0 ** attempt, 30.0))
        raise FeedError(f"{url}: {why} after {ATTEMPTS} attempts")


def _page(body: Any) -> Tuple[List[Any], Optional[int], bool, str]:
    """(records, total pages or None, whether this is the last page, API version)."""
    if isinstance(body, list):
        return body, None, True, "list"
    if not isinstance(body, dict):
        raise FeedError("the /services response is neither a list nor a paged object")
    if isinstance(body.get("contents"), list):
        last = body.get("last_page")
        return body["contents"], body.get("total_pages"), bool(last) or body.get("empty"), "v3"
    if isinstance(body.get("content"), list):
        return body["content"], body.get("totalPages"), bool(body.get("last")), "v1"
    raise FeedError("the /services response has no 'contents' (v3) or 'content' (v1) list")


def fetch(url: str, fetcher: Optional[Fetcher] = None, per_page: int = PER_PAGE,
          progress: bool = False) -> Tuple[List[Dict[str, Any]], FeedReport]:
    """Every service record of the feed at ``url`` (HSDS 3.0 shaped) and a report."""
    fetcher = fetcher or Fetcher()
    base = services_url(url)
    report = FeedReport()
    records: List[Dict[str, Any]] = []
    bar = _bar(progress)
    try:
        for item in _items(fetcher, base, per_page, report, bar):
            if not isinstance(item, dict) or not item.get("id"):
                report.problems.append(("a list item", "no id"))
                continue
            if not any(item.get(k) for k in _SUMMARY_ONLY):
                try:
                    detail = fetcher.get(f"{base}/{item['id']}")
                    report.details_fetched += 1
                    item = detail if isinstance(detail, dict) and detail.get("id") else item
                except FeedError as exc:
                    report.problems.append((f"service {item['id']}", str(exc)))
            records.append(to_hsds3(item))
    finally:
        if bar is not None:
            bar.close()
    return records, report


def _bar(progress: bool):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(unit=" services", desc="fetching")


def _items(fetcher: Fetcher, base: str, per_page: int, report: FeedReport, bar) -> Iterator[Any]:
    page = 1
    seen_first: Optional[str] = None
    while page <= MAX_PAGES:
        body = fetcher.get(base, {"page": page, "per_page": per_page})
        items, total, last, version = _page(body)
        report.pages += 1
        report.version = report.version or version
        first_id = str(items[0].get("id")) if items and isinstance(items[0], dict) else None
        if page > 1 and first_id is not None and first_id == seen_first:
            break  # a feed that ignores ?page= returns page 1 again: stop, do not loop
        seen_first = seen_first or first_id
        report.listed += len(items)
        if bar is not None:
            bar.update(len(items))
        yield from items
        if not items or last or (total is not None and page >= total) or version == "list":
            break
        page += 1


def to_hsds3(rec: Dict[str, Any]) -> Dict[str, Any]:
    """An ORUK v1 (HSDS 1.x style) service record as HSDS 3.0; a 3.0 record unchanged."""
    v1 = any(k in rec for k in ("regular_schedules", "eligibilitys", "contacts",
                                "service_taxonomys"))
    if not v1 and not any("physical_addresses" in (sal.get("location") or {})
                          for sal in rec.get("service_at_locations") or ()
                          if isinstance(sal, dict)):
        return rec
    out = {k: v for k, v in rec.items() if k not in (
        "regular_schedules", "eligibilitys", "contacts", "service_taxonomys",
        "service_at_locations")}
    phones = []
    for contact in rec.get("contacts") or ():
        for ph in (contact or {}).get("phones") or ():
            if isinstance(ph, dict) and ph.get("number"):
                phones.append({"id": ph.get("id") or f"{rec['id']}-phone-{len(phones)}",
                               "number": ph["number"]})
    out["phones"] = phones + list(rec.get("phones") or ())
    out["schedules"] = [{"id": s.get("id") or f"{rec['id']}-schedule-{i}",
                         "byday": s.get("byday"), "opens_at": s.get("opens_at"),
                         "closes_at": s.get("closes_at"), "freq": s.get("freq"),
                         "valid_from": s.get("valid_from"), "valid_to": s.get("valid_to"),
                         "description": s.get("description")}
                        for i, s in enumerate(rec.get("regular_schedules") or ())
                        if isinstance(s, dict)]
    eligs = [e for e in rec.get("eligibilitys") or () if isinstance(e, dict)]
    lows = [e["minimum_age"] for e in eligs if isinstance(e.get("minimum_age"), (int, float))]
    highs = [e["maximum_age"] for e in eligs if isinstance(e.get("maximum_age"), (int, float))]
    if lows and out.get("minimum_age") is None:
        out["minimum_age"] = min(lows)
    if highs and out.get("maximum_age") is None:
        out["maximum_age"] = max(highs)
    words = [str(e.get("eligibility")) for e in eligs if e.get("eligibility")]
    if words and not out.get("eligibility_description"):
        out["eligibility_description"] = "; ".join(words)
    sals = []
    for sal in rec.get("service_at_locations") or ():
        loc = dict((sal or {}).get("location") or {})
        if not loc.get("id"):
            continue
        if "physical_addresses" in loc:
            loc["addresses"] = [dict(a, address_type="physical") for a in
                                loc.pop("physical_addresses") or () if isinstance(a, dict)]
        sals.append({"id": sal.get("id") or f"{rec['id']}-{loc['id']}", "location": loc})
    out["service_at_locations"] = sals
    out["attributes"] = [
        {"id": st.get("id") or f"{rec['id']}-term-{i}",
         "taxonomy_term": {"id": (st.get("taxonomy") or {}).get("id"),
                           "name": (st.get("taxonomy") or {}).get("name"),
                           "code": (st.get("taxonomy") or {}).get("id"),
                           "taxonomy": (st.get("taxonomy") or {}).get("vocabulary")}}
        for i, st in enumerate(rec.get("service_taxonomys") or ())
        if isinstance(st, dict) and (st.get("taxonomy") or {}).get("id")]
    return out
