"""Search terms from a message: the person's words, their pairs, synonyms and the needs' words."""
from bot.directory.terms import need_words, query_terms


def test_places_ages_and_chat_words_are_left_out():
    t = query_terms("hi im 19 and in Scunthorpe, any help for gambling on slots?", ["gambling"],
                    place="Scunthorpe")
    assert "gambling" in t.own and "slots" in t.own
    assert not {"hi", "im", "19", "scunthorpe", "help", "any"} & set(t.own)


def test_pairs_are_words_next_to_each_other_only():
    t = query_terms("left care last year, care leavers support", ["care_leavers"])
    assert "care leavers" in t.own
    assert "care care" not in t.own  # "last year" stood between them


def test_synonyms_add_the_words_services_use_and_count_as_known():
    t = query_terms("cant stop betting on the slots", [])
    assert "gambling" in t.own and "gambling" in t.known
    assert "stop" not in t.known  # the person's other words are searched, not required


def test_the_needs_words_are_known_terms():
    t = query_terms("", ["sexual_health"])
    assert set(need_words("sexual_health")) <= set(t.need) <= set(t.known)
    assert t.own == ()


def test_ages_like_19yo_and_21f_are_not_words():
    t = query_terms("19yo 21f need a food bank", ["food"])
    assert "19yo" not in t.own and "21f" not in t.own
    assert "food bank" in t.own
