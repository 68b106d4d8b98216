"""Places a directory itself knows: the mean point of its services' addresses per town name or
postcode district, for :class:`bot.directory.places.PlaceResolver` (a town the gazetteer lacks, or one
the directory places differently)."""
from __future__ import annotations

from typing import Optional, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.directory.models import Address, Location
from bot.directory.places import normalise


def directory_lookup(session: Session):
    """A place lookup over the directory's own addresses, for :class:`bot.directory.places.PlaceResolver`.

    Returns (lookup, names): ``lookup("postcode:LS6")`` / ``lookup("name:leeds")`` give the mean
    coordinates of matching located services; ``names`` are the directory's city names.
    """
    names = {normalise(c) for (c,) in session.execute(
        select(Address.city).where(Address.city != "").distinct()) if c}

    def lookup(key: str) -> Optional[Tuple[float, float]]:
        kind, _, value = key.partition(":")
        base = (select(func.avg(Location.latitude), func.avg(Location.longitude))
                .join(Address, Address.location_id == Location.id)
                .where(Location.latitude.is_not(None)))
        if kind == "postcode":
            value = value.upper()
            stmt = base.where(or_(Address.postal_code == value,
                                  Address.postal_code.like(value + " %")))
        elif kind == "name":
            stmt = base.where(func.lower(Address.city) == value)
        else:
            return None
        lat, lon = session.execute(stmt).one()
        return (float(lat), float(lon)) if lat is not None else None

    return lookup, names
