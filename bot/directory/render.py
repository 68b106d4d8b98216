"""Plain-text rendering of directory results for chat (channel-neutral, SMS-friendly)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import List, Mapping, Optional, Sequence

import yaml

from bot.directory.search import ServiceResult
from bot.directory.needs import label

NEED_SHORT = {
    "housing": "somewhere to stay", "food": "food", "money": "money", "work": "work",
    "education": "education and training", "mental_health": "mental health",
    "health": "health", "substance_use": "drugs and alcohol", "family": "family",
    "legal": "legal help", "lgbtq": "LGBTQ+ support", "crisis": "crisis support",
    "sexual_health": "sexual health", "eating": "eating problems", "gambling": "gambling",
    "carers": "young carers", "care_leavers": "care leavers", "immigration": "immigration",
    "domestic_abuse": "domestic abuse", "loneliness": "youth groups and loneliness",
}


@lru_cache(maxsize=1)
def _national() -> dict:
    return yaml.safe_load(resources.files("bot.resources").joinpath("national_help.yml")
                          .read_text("utf-8")) or {}


def national_help(region: str, need: str) -> str:
    """National services for ``need`` in ``region`` as lines ("- name: contact"), or ''."""
    lines = (_national().get((region or "").upper()) or {}).get(need) or ()
    return "\n".join(f"- {line}" for line in lines)


def need_phrase(code: str) -> str:
    """"mental_health" → "mental health"."""
    return NEED_SHORT.get(code, label(code).lower())


def _distance(km: Optional[float]) -> Optional[str]:
    if km is None:
        return None
    miles = km * 0.621371
    return f"{miles:.1f} miles away" if miles < 10 else f"{miles:.0f} miles away"


def _ages(r: ServiceResult) -> Optional[str]:
    lo, hi = r.minimum_age, r.maximum_age
    if lo is not None and hi is not None:
        return f"ages {lo:g}-{hi:g}"
    if lo is not None:
        return f"ages {lo:g}+"
    if hi is not None:
        return f"up to age {hi:g}"
    return None


def contact_line(r: ServiceResult) -> str:
    """The best way to get in touch, most direct first."""
    parts = []
    if r.phone:
        parts.append(f"Call {r.phone}")
    if r.address:
        parts.append(r.address)
    elif r.website:
        parts.append(r.website)
    if not parts and r.email:
        parts.append(r.email)
    return " | ".join(parts) or "No contact details listed"


# How a service that is not a place near the person reaches them (bot/directory/eligibility.reach).
REACH_LABEL = {"national": "National service, wherever you are", "remote": "By phone or online"}


def result_block(n: int, r: ServiceResult, rating: str = "") -> str:
    """Numbered summary of one result: name, one-liner, contact, distance, open now, and the
    young people's rating where there is one ("4.2★ from 12 young people")."""
    facts = [f for f in (_distance(r.distance_km), REACH_LABEL.get(r.reach),
                         r.status.describe()) if f]
    lines = [f"{n}. {r.name}", rating, r.description, contact_line(r), " - ".join(facts)]
    return "\n".join(line for line in lines if line)


def results_text(need: str, results: Sequence[ServiceResult], start: int, total: int,
                 place: Optional[str], more: bool = False,
                 ratings: Optional[Mapping[str, str]] = None) -> str:
    """Header plus numbered results for one need."""
    where = f" near {place}" if place else ""
    head = f"Here's {need_phrase(need)} help{where}:" if start == 0 else \
        f"More {need_phrase(need)} help{where}:"
    ratings = ratings or {}
    body = "\n\n".join(result_block(start + i + 1, r, ratings.get(r.id, ""))
                       for i, r in enumerate(results))
    shown = start + len(results)
    tail = f"\n\nShowing {shown} of {total}{'+' if more else ''}." if total > shown or more else ""
    return f"{head}\n\n{body}{tail}"


def secondary_text(need: str, r: ServiceResult) -> str:
    """One suggestion for a need the user also mentioned."""
    return f"You also mentioned {need_phrase(need)}. One place that can help:\n\n" + \
        "\n".join(x for x in (r.name, r.description, contact_line(r),
                              r.status.describe()) if x)


def detail_text(r: ServiceResult) -> str:
    """Everything a young person needs to decide and get there."""
    lines: List[str] = [r.name]
    if r.organization and r.organization != r.name:
        lines.append(f"Run by {r.organization}")
    if r.description:
        lines.append(r.description)
    lines.append("")
    if r.phone:
        lines.append(f"Phone: {r.phone}")
    if r.address:
        lines.append(f"Address: {r.address}")
    if r.website:
        lines.append(f"Website: {r.website}")
    if r.email:
        lines.append(f"Email: {r.email}")
    dist = _distance(r.distance_km)
    if dist:
        lines.append(f"Distance: {dist}")
    lines.append(r.status.describe())
    if r.opening_lines:
        lines.append("Hours: " + "; ".join(r.opening_lines))
    who = r.eligibility or _ages(r)
    if who:
        lines.append(f"Who it's for: {who}")
    if r.application_process:
        lines.append(f"How to get help: {r.application_process}")
    if r.fees:
        lines.append(f"Cost: {r.fees}")
    return "\n".join(lines).strip()


# -- compact variants for SMS: every segment costs money, a result should fit in one ------------
def short_address(address: Optional[str]) -> Optional[str]:
    """"7 Calder Row, Leeds, LS2 7EW" → "7 Calder Row, LS2 7EW" (street and postcode)."""
    if not address:
        return None
    parts = [p.strip() for p in address.split(",") if p.strip()]
    return ", ".join([parts[0], parts[-1]]) if len(parts) > 2 else ", ".join(parts)


def _short_status(r: ServiceResult) -> str:
    text = r.status.describe()
    return "" if text == "Opening hours not listed" else text.replace("Closed now - ", "Closed, ")


def compact_block(n: int, r: ServiceResult, rating: str = "") -> str:
    """One result in about one SMS segment: number, name, phone, street and postcode, open,
    and the rating where there is one ("4.2/5")."""
    miles = r.distance_km * 0.621371 if r.distance_km is not None else None
    facts = [_short_status(r), f"{miles:.1f}mi" if miles is not None else "", rating]
    lines = [f"{n}. {r.name}", r.phone or (None if r.address else r.website or r.email),
             short_address(r.address), ", ".join(f for f in facts if f)]
    return "\n".join(line for line in lines if line)


def results_text_sms(need: str, results: Sequence[ServiceResult], start: int, total: int,
                     place: Optional[str], more: bool = False,
                     ratings: Optional[Mapping[str, str]] = None) -> str:
    """Compact header and results for SMS (blank line between results: one segment each)."""
    where = f" near {place}" if place else ""
    head = f"{need_phrase(need).capitalize()} help{where}:" if start == 0 else \
        f"More {need_phrase(need)} help{where}:"
    shown = start + len(results)
    tail = f"\n{shown} of {total}{'+' if more else ''}" if total > shown or more else ""
    ratings = ratings or {}
    blocks = [compact_block(start + i + 1, r, ratings.get(r.id, ""))
              for i, r in enumerate(results)]
    return f"{head}\n" + "\n\n".join(blocks) + tail


def secondary_text_sms(need: str, r: ServiceResult) -> str:
    """One suggestion for another need, compact."""
    lines = [f"For {need_phrase(need)}: {r.name}", r.phone, short_address(r.address)]
    return "\n".join(x for x in lines if x)


def detail_text_sms(r: ServiceResult) -> str:
    """The detail a plain phone needs: how to reach it, when, for whom; no long description."""
    lines: List[str] = [r.name]
    if r.phone:
        lines.append(f"Call {r.phone}")
    if r.address:
        lines.append(r.address)
    status = _short_status(r)
    if status:
        lines.append(status)
    if r.opening_lines:
        lines.append("Hours: " + "; ".join(r.opening_lines))
    who = _ages(r)
    if who:
        lines.append(who.capitalize())
    if r.fees:
        lines.append(f"Cost: {r.fees}")
    if r.website and not r.phone:
        lines.append(r.website)
    return "\n".join(lines)
