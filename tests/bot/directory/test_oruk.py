"""Importing an Open Referral UK feed by URL (bot/directory/oruk.py) from a local fake feed that
answers as the ORUK v1 and v3 APIs do: paged lists, partial list items, details, retries."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from bot.directory import oruk
from bot.directory.importer import import_path
from bot.directory.loader import ImportFileError
from bot.directory.models import Location, Phone, Schedule, SearchIndexRow, Service


def v1_detail(i: int, name: str = "") -> dict:
    return {
        "id": f"svc-{i}", "name": name or f"Youth Hub {i}",
        "description": "<p>Drop-in advice for young people aged 16-25 who are homeless.</p>",
        "url": "https://example.org", "email": "hub@example.org", "status": "active",
        "organization": {"id": "org-1", "name": "Northgate Trust", "description": "A charity"},
        "contacts": [{"id": f"c-{i}", "name": "Desk", "phones": [{"id": f"p-{i}",
                                                                  "number": "01724 000 000"}]}],
        "eligibilitys": [{"id": f"e-{i}", "eligibility": "Young people", "minimum_age": 16,
                          "maximum_age": 25}],
        "regular_schedules": [{"id": f"r-{i}", "opens_at": "10:00", "closes_at": "16:00",
                               "byday": "MO,TU", "freq": "WEEKLY"}],
        "service_at_locations": [{"id": f"sal-{i}", "location": {
            "id": f"loc-{i}", "name": "Hub", "latitude": 53.58, "longitude": -0.65,
            "physical_addresses": [{"id": f"a-{i}", "address_1": "1 High St",
                                    "city": "Scunthorpe", "postal_code": "DN15 6AA",
                                    "country": "GB"}]}}],
        "service_taxonomys": [{"id": f"t-{i}", "taxonomy": {
            "id": "housing-advice", "name": "Housing advice", "vocabulary": "esdServiceTypes"}}],
    }


class Feed:
    """The fake feed's state: what it serves and how it misbehaves."""

    def __init__(self, version: str = "v1", count: int = 5, per_page: int = 2) -> None:
        self.version, self.count, self.per_page = version, count, per_page
        self.names: dict = {}
        self.fail_once = {"/api/services?page=2": 429, "/api/services/svc-3": 503}
        self.ignore_paging = False
        self.requests: list = []

    def list_body(self, page: int) -> dict:
        ids = list(range(1, self.count + 1))
        pages = max(1, -(-self.count // self.per_page))
        chunk = ids[(page - 1) * self.per_page: page * self.per_page]
        if self.version == "v1":  # summary items: id and name only
            return {"totalElements": self.count, "totalPages": pages, "number": page,
                    "size": self.per_page, "first": page == 1, "last": page >= pages,
                    "content": [{"id": f"svc-{i}", "name": self.names.get(i, f"Youth Hub {i}")}
                                for i in chunk]}
        return {"total_items": self.count, "total_pages": pages, "page_number": page,
                "size": self.per_page, "first_page": page == 1, "last_page": page >= pages,
                "empty": not chunk,
                "contents": [{"id": f"svc-{i}", "name": f"Hub {i}", "description": "Food bank",
                              "status": "active", "phones": [{"id": f"p{i}", "number": "0"}]}
                             for i in chunk]}


@pytest.fixture
def feed():
    state = Feed()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # noqa: N802 - http.server API
            parts = urlsplit(self.path)
            key = parts.path + (f"?page={parse_qs(parts.query).get('page', ['1'])[0]}"
                                if parts.path.endswith("/services") else "")
            state.requests.append(key)
            code = state.fail_once.pop(key, None)
            if code:
                self.send_response(code)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            if parts.path == "/api/services":
                page = 1 if state.ignore_paging else int(parse_qs(parts.query)["page"][0])
                body = state.list_body(page)
            elif parts.path.startswith("/api/services/svc-"):
                i = int(parts.path.rsplit("-", 1)[1])
                body = v1_detail(i, state.names.get(i, ""))
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    yield state
    server.shutdown()


def fetcher():
    return oruk.Fetcher(sleep=lambda _s: None)


def test_v1_feed_is_paged_completed_converted_and_imported(feed, sessions):
    report = import_path(sessions, feed.url, progress=False, fetcher=fetcher())
    assert report.loaded == 5 and not report.skipped and report.format == "open-referral-uk-v1"
    assert "3 pages, 5 listed, 5 completed" in report.summary()
    assert feed.requests.count("/api/services?page=2") == 2  # 429 once, then retried
    assert feed.requests.count("/api/services/svc-3") == 2  # 503 once, then retried
    with sessions() as s:
        svc = s.get(Service, "svc-1")
        assert svc.minimum_age == 16 and svc.maximum_age == 25
        assert svc.eligibility_description == "Young people"
        assert s.execute(select(func.count()).select_from(Phone)).scalar() == 5
        assert s.execute(select(func.count()).select_from(Schedule)).scalar() == 5
        loc = s.get(Location, "loc-1")
        assert loc.latitude == 53.58 and loc.addresses[0].city == "Scunthorpe"
        assert s.execute(select(SearchIndexRow).where(
            SearchIndexRow.service_id == "svc-1")).scalars().first().reach == "local"


def test_a_rerun_updates_in_place(feed, sessions):
    import_path(sessions, feed.url, progress=False, fetcher=fetcher())
    feed.names[2] = "Renamed Hub"
    report = import_path(sessions, feed.url, progress=False, fetcher=fetcher())
    assert report.loaded == 5
    with sessions() as s:
        assert s.get(Service, "svc-2").name == "Renamed Hub"
        assert s.execute(select(func.count()).select_from(Service)).scalar() == 5


def test_v3_feed_needs_no_details(feed, sessions):
    feed.version = "v3"
    feed.fail_once.clear()
    report = import_path(sessions, feed.url + "services", progress=False, fetcher=fetcher())
    assert report.loaded == 5 and report.format == "open-referral-uk-v3"
    assert not any(r.startswith("/api/services/svc-") for r in feed.requests)


def test_a_feed_that_ignores_paging_does_not_loop(feed, sessions):
    feed.ignore_paging = True
    feed.fail_once.clear()
    report = import_path(sessions, feed.url, progress=False, fetcher=fetcher())
    assert report.loaded == 2


def test_an_unreadable_feed_changes_nothing(feed, sessions):
    with pytest.raises(ImportFileError, match="HTTP 404"):
        import_path(sessions, feed.url.replace("/api/", "/nothing/"), progress=False,
                    fetcher=fetcher())
    with pytest.raises(oruk.FeedError, match="not an http"):
        oruk.services_url("ftp://example.org/")
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(Service)).scalar() == 0


def test_a_detail_that_never_comes_is_reported_and_the_summary_kept(feed, sessions):
    feed.fail_once = {}
    original = oruk.Fetcher.get

    def flaky(self, url, params=None):
        if url.endswith("/svc-4"):
            raise oruk.FeedError(f"{url}: HTTP 503 after 4 attempts")
        return original(self, url, params)

    f = fetcher()
    f.get = flaky.__get__(f)
    report = import_path(sessions, feed.url, progress=False, fetcher=f)
    assert report.loaded == 5
    assert any("svc-4" in what for what, _ in report.row_problems)
