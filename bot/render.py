"""Plain-text rendering of directory results for chat (channel-neutral, SMS-friendly)."""
from __future__ import annotations

from typing import List, Optional, Sequence

from bot.directory.search import ServiceResult
from bot.needs import label

NEED_SHORT = {
    "housing": "somewhere to stay", "food": "food", "money": "money", "work": "work",
    "education": "education and training", "mental_health": "mental health",
    "health": "health", "substance_use": "drugs and alcohol", "family": "family",
    "legal": "legal help", "lgbtq": "LGBTQ+ support", "crisis": "crisis support",
}


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


def result_block(n: int, r: ServiceResult) -> str:
    """Numbered summary of one result: name, one-liner, contact, distance, open now."""
    facts = [f for f in (_distance(r.distance_km), r.status.describe()) if f]
    lines = [f"{n}. {r.name}", r.description, contact_line(r), " - ".join(facts)]
    return "\n".join(line for line in lines if line)


def results_text(need: str, results: Sequence[ServiceResult], start: int, total: int,
                 place: Optional[str], more: bool = False) -> str:
    """Header plus numbered results for one need."""
    where = f" near {place}" if place else ""
    head = f"Here's {need_phrase(need)} help{where}:" if start == 0 else \
        f"More {need_phrase(need)} help{where}:"
    body = "\n\n".join(result_block(start + i + 1, r) for i, r in enumerate(results))
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
