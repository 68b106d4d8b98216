"""The app database on PostgreSQL: migrations on an empty database, the sample directory, a
search, and state that several replicas share (dedupe ids, button tokens, menus)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import sessionmaker

from tests.infra.services import fresh_database

pytestmark = [pytest.mark.infra]


@pytest.fixture(scope="module")
def pg_url():
    with fresh_database("navapp") as url:
        yield url


@pytest.fixture(scope="module")
def migrated(pg_url):
    from bot.migrate import current_revision, upgrade

    upgrade(pg_url)
    assert current_revision(pg_url) is not None
    return pg_url


def _sessions(url):
    from bot.db import make_engine

    return sessionmaker(bind=make_engine(url), future=True, expire_on_commit=False)


def test_migrations_apply_cleanly_to_an_empty_database(migrated):
    from alembic.script import ScriptDirectory

    from bot.db import make_engine
    from bot.migrate import alembic_config, current_revision, upgrade

    head = ScriptDirectory.from_config(alembic_config(migrated)).get_current_head()
    assert current_revision(migrated) == head
    upgrade(migrated)  # idempotent
    engine = make_engine(migrated)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"service", "organization", "location", "safeguarding_alert",
            "alembic_version"} <= tables


def test_sample_directory_loads_and_searches(migrated):
    from bot.directory.loader import load_file, sample_directory_path
    from bot.directory.navigator import Navigator
    from bot.settings import load_settings

    sessions = _sessions(migrated)
    report = load_file(sessions, sample_directory_path())
    assert report.loaded >= 60 and not report.skipped
    nav = Navigator(load_settings({"DATABASE_URL": migrated}), sessions)
    place = nav.resolve_place("Leeds", whole_message=True)
    page = nav.search(["housing"], place.latitude, place.longitude, 19)
    assert page.results and page.total >= 3
    nav.raise_alert("sender-x", ("suicide",))


def test_a_delivery_is_claimed_once_across_replicas(migrated):
    """Two engines (two replicas) race for the same update ids: each id is won exactly once."""
    from bot.channels import contacts

    a, b = _sessions(migrated), _sessions(migrated)
    ids = [str(900000 + i) for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda pair: contacts.claim_delivery(pair[0], "telegram", pair[1]),
                             [(s, i) for i in ids for s in (a, b)]))
    assert sum(wins) == len(ids)


def test_menus_and_button_tokens_are_shared_across_replicas(migrated):
    from bot.channels import contacts

    a, b = _sessions(migrated), _sessions(migrated)
    token = contacts.token_for(a, "sender-1", "/ask_detail{\"service\": \"x\"}")
    assert contacts.payload_for(b, "sender-1", token) == "/ask_detail{\"service\": \"x\"}"
    contacts.save_menu(a, "sender-1", [("1", "/need_housing"), ("2", "/need_food")])
    assert contacts.load_menu(b, "sender-1") == [("1", "/need_housing"), ("2", "/need_food")]


def test_full_text_search_on_postgresql(migrated):
    """The same words rank the same services on PostgreSQL (tsvector, GIN) as on SQLite."""
    from sqlalchemy import text

    from bot.directory import fulltext
    from bot.directory.loader import load_file, sample_directory_path
    from bot.directory.search import SearchQuery, search

    sessions = _sessions(migrated)
    load_file(sessions, sample_directory_path())  # idempotent: the same whichever test ran
    with sessions() as s:
        plan = " ".join(r[0] for r in s.execute(text(
            "EXPLAIN SELECT service_id FROM service_text "
            "WHERE doc @@ to_tsquery('english', 'gambl')")))
        found = fulltext.match(s, ["gambling", "betting"], 10)
        near = fulltext.match(s, ["gambling"], 10, fulltext.cells_near(53.80, -1.55, 40))
        # A word few services hold is looked up everywhere at once (the search then drops
        # what is beyond the radius); the cell filter itself, on a ring around Plymouth:
        far = fulltext._query(s, ["gambling"], [], ["gambling"], 10,
                              fulltext.cells_near(50.37, -4.14, 40)[-1])
        page = search(s, SearchQuery(["gambling"], 53.80, -1.55, age=19,
                                     text="cant stop betting on slots, need help in leeds",
                                     place="Leeds"))
        plymouth = search(s, SearchQuery(["gambling"], 50.37, -4.14, age=19,
                                         text="cant stop betting, need help in plymouth",
                                         place="Plymouth"))
    assert found and list(found)[0] == page.results[0].id
    assert near and not far  # Plymouth is nowhere near the Leeds gambling service
    assert "Leeds Young People's Gambling Support" not in [r.name for r in plymouth.results]
    assert page.results[0].name == "Leeds Young People's Gambling Support"
    assert "service_text" in plan


def test_an_import_leaves_the_search_tables_vacuumed_and_the_index_covering(migrated):
    """After `navigator import` the GIN index has no pending list and the nearest-services
    index holds what a search reads (an index-only scan; migration 0013)."""
    from sqlalchemy import text

    from bot.db import make_engine
    from bot.directory.importer import import_path
    from bot.directory.loader import sample_directory_path

    import_path(_sessions(migrated), sample_directory_path(), progress=False)
    engine = make_engine(migrated)
    with engine.connect() as c:
        vacuumed = c.execute(text("SELECT relname FROM pg_stat_user_tables WHERE relname IN "
                                  "('search_index', 'service_text') AND (last_vacuum IS NOT "
                                  "NULL OR last_autovacuum IS NOT NULL)")).scalars().all()
        indexdef = c.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                  "'ix_search_need_lat_lon'")).scalar_one()
    engine.dispose()
    assert set(vacuumed) == {"search_index", "service_text"}
    assert "INCLUDE" in indexdef and "service_id" in indexdef


def test_word_counts_are_read_not_counted_and_change_with_an_import(migrated):
    """A search reads a word's document frequency from ``service_lexeme`` (migration 0014),
    which every load refreshes in its own transaction: the figures are the live counts."""
    from sqlalchemy import text

    from bot.directory import fulltext
    from bot.directory.loader import load_file, sample_directory_path

    sessions = _sessions(migrated)
    load_file(sessions, sample_directory_path())
    fulltext._STATS.clear()
    words = ["gambling", "food", "counselling", "zyzzogeton", "the"]
    with sessions() as s:
        read = fulltext._counts(s, words)
        live = {w: fulltext._count(s, w) for w in words}
        stored = s.execute(text("SELECT count(*) FROM service_lexeme")).scalar_one()
    assert stored > 100
    assert {w: read[w] for w in words} == live
    assert read["gambling"] >= 1 and read["zyzzogeton"] == 0 and read["the"] == 0
    # A phrase whose words are rare is counted exactly (its words only bound it).
    with sessions() as s:
        assert fulltext._counts(s, ["young carers"])["young carers"] == \
            fulltext._count(s, "young carers")


def test_message_rate_is_counted_once_across_replicas(migrated):
    """Issue 17, item 1: the per-sender limit is one count however many replicas take turns."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.channels import ratelimit

    replicas = [_sessions(migrated) for _ in range(2)]
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda i: ratelimit.hit(replicas[i % 2], "sender", "pg-busy",
                                                        now=6000.0), range(30)))
    assert sorted(counts) == list(range(1, 31))
    assert ratelimit.hit(replicas[0], "sender", "pg-busy", now=6060.0) == 1
