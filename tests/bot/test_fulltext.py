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
            **{f"other{i}": fulltext.document(f"Food bank {i}", "Free food parcels and meals",
                                              where=fulltext.cells([LEEDS])) for i in range(8)},
        })
    return sessions


def test_stemmed_words_and_the_name_weigh_more(docs):
    with docs() as s:
        found = fulltext.match(s, ["gamble"], 10)
    assert set(found) == {"a", "b", "c", "d"}
    assert found["a"] > found["b"]  # in the name beats in the text


def test_cells_keep_the_search_near_the_place(docs):
    with docs() as s:
        near = fulltext.match(s, ["gambling"], 10, fulltext.cells_near(*LEEDS, 40))
    assert set(near) == {"a", "b", "d"}  # d has no place: it serves anywhere


@pytest.mark.parametrize("term", ['"', "NEAR(a b)", "a OR b AND", "*", "x' OR 1=1 --", "cells:c1"])
def test_odd_terms_are_words_not_syntax(docs, term):
    with docs() as s:
        assert isinstance(fulltext.match(s, [term, "gambling"], 10), dict)


def test_rewrite_replaces_and_remove_deletes(docs):
    with docs() as s, s.begin():
        fulltext.write(s, {"a": fulltext.document("Food bank", "Free food parcels")})
        fulltext.remove(s, ["b"])
    with docs() as s:
        assert set(fulltext.match(s, ["gambling"], 10)) == {"c", "d"}
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
