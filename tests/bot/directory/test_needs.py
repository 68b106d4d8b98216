from bot.directory.needs import (detect_needs, keyword_needs, need_codes, need_for_intent,
                                 order_by_urgency, taxonomy)


def test_vocabulary_has_required_domains():
    codes = set(need_codes())
    assert {"housing", "food", "money", "work", "education", "mental_health", "health",
            "substance_use", "family", "legal", "lgbtq", "crisis"} <= codes
    for term in taxonomy().terms:
        assert term.description and term.id and term.name


def test_intent_mapping():
    assert need_for_intent("need_mental_health") == "mental_health"
    assert need_for_intent("crisis") == "crisis"
    assert need_for_intent("greet") is None
    assert need_for_intent(None) is None


def test_multi_need_most_urgent_first():
    assert detect_needs("homeless and broke", "need_money")[:2] == ["housing", "money"]
    assert detect_needs("starving and got no money for food", "need_food")[:2] == ["food", "money"]
    assert detect_needs("my dad threw me out, where do i go tonight", "need_housing")[0] == "housing"


def test_secondary_need_from_model_ranking():
    ranking = [{"name": "need_work", "confidence": 0.6}, {"name": "need_education", "confidence": 0.3},
               {"name": "greet", "confidence": 0.1}]
    assert detect_needs("x", "need_work", ranking) == ["work", "education"]


def test_ordering_and_keywords():
    assert order_by_urgency(["work", "housing", "work", "unknown"]) == ["housing", "work"]
    assert "lgbtq" in keyword_needs("I came out as trans and my family hate it")
    assert keyword_needs("") == []


def test_a_word_alone_does_not_go_before_a_need_the_model_is_sure_of():
    sure = [{"name": "need_eating", "confidence": 0.99}]
    assert detect_needs("i restrict food for days then binge", "need_eating", sure) == [
        "eating", "food"]
    unsure = [{"name": "need_money", "confidence": 0.6}]
    assert detect_needs("homeless and broke", "need_money", unsure)[:2] == ["housing", "money"]


def test_what_was_asked_for_goes_before_other_needs_the_message_touches():
    ranking = [{"name": "need_lgbtq", "confidence": 0.8}]
    text = "im 19 and gay and my parents dont know, is there an lgbt group"
    assert detect_needs(text, "need_lgbtq", ranking)[:2] == ["lgbtq", "family"]
    work = [{"name": "need_work", "confidence": 0.7}]
    assert detect_needs("need a job asap, skint", "need_work", work)[:2] == ["work", "money"]
    # a pressing need still goes first
    assert detect_needs("gay and kicked out, nowhere to sleep", "need_lgbtq", ranking)[:2] == [
        "housing", "lgbtq"]
    # abuse said in so many words goes first even before a need the model is sure of
    money = [{"name": "need_money", "confidence": 0.97}]
    assert detect_needs("my husband is very controlling, he takes all my money", "need_money",
                        money)[:2] == ["domestic_abuse", "money"]
    # ... but not before a bed they asked for
    flat = [{"name": "need_housing", "confidence": 0.97}]
    assert detect_needs("left my abusive boyfriend, need somewhere to live", "need_housing",
                        flat)[:2] == ["housing", "domestic_abuse"]


def test_kicked_out_of_school_is_not_homelessness():
    assert "housing" not in keyword_needs("got kicked out of sixth form, any college")
    assert "housing" in keyword_needs("got kicked out by my mum")


def test_sti_is_a_word_not_the_start_of_still():
    assert "sexual_health" not in keyword_needs("can i still change college")
    assert "sexual_health" in keyword_needs("where can i get an sti test")
