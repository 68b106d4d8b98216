"""Full-text search in SQLite (FTS5): stemming, names weigh more, place cells, safe terms."""
import pytest

from bot.directory import fulltext
from bot.directory.search import SearchQuery, search

LEEDS = (53.7997, -1.5492)


@pytest.fixture
def docs(sessions):
    with sessions() as s, s.begin():
        fulltext.write(s, {
            "a": fulltext.document("Gambling support", "Help if it got out of hand",
                                   where=fulltext.cells([LEEDS])),
            "b": fulltext.document("Money advice", "Debts, including from gambling",
                                   where=fulltext.cells([LEEDS])),
            "c": fulltext.document("Plymouth gambling help", "Gambling support",
                                   where=fulltext.cells([(50.37, -4.14)])),
            "d": fulltext.document("National line", "Gambling helpline for anyone"),
            **{f"far{i}": fulltext.document(f"Plymouth gambling group {i}", "Weekly",
                                            where=fulltext.cells([(50.37, -4.14)]))
               for i in range(10)},
            **{f"other{i}": fulltext.document(f"Food bank {i}", "Free food parcels and meals",
                                              where=fulltext.cells([LEEDS])) for i in range(8)},
        })
    return sessions


def test_stemmed_words_and_the_name_weigh_more(docs):
    with docs() as s:
        found = fulltext.match(s, ["gamble"], 20)
    assert set(found) == {"a", "b", "c", "d"} | {f"far{i}" for i in range(10)}
    assert found["a"] > found["b"]  # in the name beats in the text


def test_cells_keep_the_search_near_the_place(docs):
    """More services hold the words than the limit: the database looks near the place."""
    with docs() as s:
        near = fulltext.match(s, ["gambling"], 5, fulltext.cells_near(*LEEDS, 40))
    assert set(near) == {"a", "b", "d"}  # d has no place: it serves anywhere


def test_words_few_services_hold_are_found_wherever_they_are(docs):
    """At most the limit hold them: one look over the whole directory (the search then drops
    those beyond the radius)."""
    with docs() as s:
        found = fulltext.match(s, ["plymouth"], 20, fulltext.cells_near(*LEEDS, 40))
    assert len(found) == 11


@pytest.mark.parametrize("term", ['"', "NEAR(a b)", "a OR b AND", "*", "x' OR 1=1 --", "cells:c1"])
def test_odd_terms_are_words_not_syntax(docs, term):
    with docs() as s:
        assert isinstance(fulltext.match(s, [term, "gambling"], 10), dict)


def test_located_services_written_after_unplaced_ones_are_found_near(sessions):
    """Unplaced services are a rowid range in SQLite: later located ones stay outside it."""
    with sessions() as s, s.begin():
        fulltext.write(s, {"any1": fulltext.document("Gambling line", "Call us")})
        fulltext.write(s, {"here": fulltext.document("Gambling group", "Meet weekly",
                                                     where=fulltext.cells([LEEDS]))})
        fulltext.write(s, {"any2": fulltext.document("Gambling chat", "Online")})
        fulltext.write(s, {f"far{i}": fulltext.document("Gambling group", "Weekly",
                                                        where=fulltext.cells([(50.37, -4.14)]))
                           for i in range(10)})
    with sessions() as s:
        near = fulltext.match(s, ["gambling"], 5, fulltext.cells_near(*LEEDS, 40))
        far = fulltext.match(s, ["gambling"], 5, fulltext.cells_near(50.37, -4.14, 40))
    assert set(near) == {"any1", "here", "any2"}
    assert "here" not in far and sum(sid.startswith("far") for sid in far) == 5


def test_placed_services_in_a_ring_are_kept_when_unplaced_ones_score_higher(sessions,
                                                                            monkeypatch):
    """Services with no place match in every ring; when they fill the best rows, the ring's
    own services are still kept, and a ring holding enough of them ends the search."""
    with sessions() as s, s.begin():
        fulltext.write(s, {f"any{i}": fulltext.document("Gambling gambling line", "Gambling")
                           for i in range(6)})
        fulltext.write(s, {f"here{i}": fulltext.document("Group", "Gambling, weekly",
                                                         where=fulltext.cells([LEEDS]))
                           for i in range(4)})
        fulltext.write(s, {f"far{i}": fulltext.document("Group", "Gambling, weekly",
                                                        where=fulltext.cells([(53.95, -1.08)]))
                           for i in range(4)})
    rings = []
    real = fulltext._query
    monkeypatch.setattr(fulltext, "_query", lambda *a: rings.append(a[-1]) or real(*a))
    with sessions() as s:
        found = fulltext.match(s, ["gambling"], 4, fulltext.cells_near(*LEEDS, 40))
    assert {f"here{i}" for i in range(4)} <= set(found)
    assert not any(sid.startswith("far") for sid in found)
    assert len(rings) == 1  # the nearest ring held enough


def test_rewrite_replaces_and_remove_deletes(docs):
    with docs() as s, s.begin():
        fulltext.write(s, {"a": fulltext.document("Food bank", "Free food parcels")})
        fulltext.remove(s, ["b"])
    with docs() as s:
        assert set(fulltext.match(s, ["gambling"], 20)) - {f"far{i}" for i in range(10)} == {"c", "d"}
        assert "a" in fulltext.match(s, ["food"], 20)


def test_the_persons_words_outrank_the_coarse_need(sample_sessions):
    """"gambling" finds the gambling service first though the need asked is its parent."""
    with sample_sessions() as s:
        page = search(s, SearchQuery(["mental_health"], *LEEDS, age=19,
                                     text="i keep losing my wages gambling on slots",
                                     place="Leeds"))
    assert page.results[0].name == "Leeds Young People's Gambling Support"


def test_words_alone_do_not_bring_unrelated_services(sample_sessions):
    """"claim" also matches a housing drop-in's "Universal Credit claims": the need keeps it out."""
    with sample_sessions() as s:
        page = search(s, SearchQuery(["immigration"], *LEEDS, age=19,
                                     text="who can help with my claim living in leeds",
                                     place="Leeds"))
    names = [r.name for r in page.results]
    assert "Northern Migrant Youth Advice" in names  # says "asylum claims"
    assert "Northgate Youth Hub Drop-in" not in names
    assert all("immigration" in r.needs for r in page.results)


def test_a_phrase_of_common_words_is_not_searched(sessions, monkeypatch):
    """"care worker" is rare, but finding it means reading every "care" and "worker" document;
    "care leavers" is found through the few "leavers" ones."""
    monkeypatch.setattr(fulltext, "COMMON_FLOOR", 2)
    monkeypatch.setattr(fulltext, "COMMON_SHARE", 0.0)
    monkeypatch.setattr(fulltext, "PHRASE_WORD_SPREAD", 2)
    fulltext._STATS.clear()
    with sessions() as s, s.begin():
        fulltext.write(s, {
            "w": fulltext.document("Care worker drop-in", "For care leavers"),
            **{f"c{i}": fulltext.document(f"Care home {i}", "A support worker visits")
               for i in range(6)},
            "l": fulltext.document("Leavers group", "Care leavers meet here"),
        })
    with sessions() as s:
        assert fulltext.selective(s, ["care worker", "care leavers", "drop"]) == [
            "care leavers", "drop"]
        fulltext._STATS.clear()
        monkeypatch.setattr(fulltext, "PHRASE_WORD_SPREAD", 5)
        assert fulltext.selective(s, ["care worker", "care leavers"]) == ["care worker",
                                                                           "care leavers"]
    fulltext._STATS.clear()


def test_a_search_however_far_puts_no_place_in_the_query(sessions):
    """The nearest services however far (radius 20,000 km) once listed every large cell on
    Earth in the query: seconds per search. The last look is now everywhere, no cells."""
    rings = fulltext.cells_near(53.8, -1.55, 20000)
    assert rings[-1] == [] and sum(len(r) for r in rings) < 10
    assert len(fulltext.cells_near(53.8, -1.55, 40)[-1]) < fulltext.MAX_RING_CELLS
    with sessions() as s, s.begin():
        fulltext.write(s, {"far": fulltext.document(
            "Gambling support", "Betting help", where=fulltext.cells([(-33.9, 151.2)]))})
    with sessions() as s:
        assert "far" in fulltext.match(s, ["gambling"], 1, rings)


def test_holding_finds_the_services_naming_the_words(docs):
    with docs() as s:
        assert fulltext.holding(s, ["plymouth"]) == {"c"} | {f"far{i}" for i in range(10)}
        assert fulltext.holding(s, []) == set()


def test_a_service_naming_what_was_said_counts_as_meeting_the_need():
    """"i smoke and vape": the directory's words for it ("stop smoking") are specific; the
    need's own words ("drugs", "alcohol") are not."""
    from bot.directory.terms import query_terms

    terms = query_terms("im 19 and smoke plus vape, want to quit", ["substance_use"])
    assert "stop smoking" in terms.specific and "vaping" in terms.specific
    assert "drugs" not in terms.specific and "drugs" in terms.known


def test_a_common_term_is_counted_only_as_far_as_any_decision_reads(docs):
    with docs() as s:
        assert fulltext._count(s, "gambling") == 14
        assert fulltext._count(s, "gambling", 5) == 5
