"""The navigator's HSDS 3.0 profile: service feedback (ratings) and service outcomes as
extension properties of ``service`` (``docs/hsds_profile/``).

Built from the open export (:func:`bot.measurement.open_export.build`) and nothing else, so every figure is
the already-suppressed one that ``/open/outcomes.json`` publishes: a count from 1 to 4 is null,
and no new total (across months, needs or services) is added that could give a suppressed cell
back by subtraction. Per service: ``service_feedback`` (one object per month with ratings) and
``service_outcomes`` (one per month and need with referrals).
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy.orm import sessionmaker

from bot.measurement import open_export

logger = logging.getLogger(__name__)

PROFILE_URI = "https://example.org/hsds-profiles/youth-pathway-navigator"
PROFILE_VERSION = "1.0.0"
HSDS_VERSION = "3.0"
DOCUMENT_SCHEMA = "navigator-hsds-extension/1"
# Ids of the extension objects: uuid5 of "<kind>:<service id>:<period>[:<need>]" in this space.
ID_NAMESPACE = uuid.UUID("0f6d1c7a-2b9e-5c41-8a37-4e5f6a7b8c9d")
_FEEDBACK_FIELDS = {"ratings": "rating_count", "mean_stars": "average_rating"}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, ":".join(parts)))


def _feedback(row: Dict[str, Any]) -> Dict[str, Any]:
    """A ``service_feedback`` object from a ratings row of the export."""
    return {"id": _id("feedback", row["service_id"], row["month"]),
            "service_id": row["service_id"], "period": row["month"],
            "rating_count": row["ratings"], "average_rating": row["mean_stars"],
            "suppressed": sorted(_FEEDBACK_FIELDS[f] for f in row["suppressed"])}


def _outcomes(row: Dict[str, Any], framework_version: str) -> Dict[str, Any]:
    """A ``service_outcomes`` object from an outcomes row of the export."""
    suppressed = [f"outcome_counts.{f[len('outcomes.'):]}" if f.startswith("outcomes.") else f
                  for f in row["suppressed"]]
    return {"id": _id("outcomes", row["service_id"], row["month"], row["need"]),
            "service_id": row["service_id"], "period": row["month"], "need": row["need"],
            "framework_version": framework_version,
            "referrals": row["referrals"], "checkins_answered": row["checkins_answered"],
            "checkin_response_rate": row["checkin_response_rate"],
            "outcome_counts": [{"code": code, "count": n} for code, n in row["outcomes"].items()],
            "median_days_to_help": row["median_days_to_help"],
            "suppressed": sorted(suppressed)}


def from_export(export: Dict[str, Any]) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """The extension properties per published service id, from a built open export.
    Rows without a service (a referral to a service since removed) are left out."""
    out: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}

    def entry(service_id: str) -> Dict[str, List[Dict[str, Any]]]:
        return out.setdefault(service_id, {"service_feedback": [], "service_outcomes": []})

    for row in export.get("ratings", []):
        if row["service_id"]:
            entry(row["service_id"])["service_feedback"].append(_feedback(row))
    for row in export.get("rows", []):
        if row["service_id"]:
            entry(row["service_id"])["service_outcomes"].append(
                _outcomes(row, export["framework_version"]))
    for ext in out.values():
        ext["service_feedback"].sort(key=lambda o: o["period"])
        ext["service_outcomes"].sort(key=lambda o: (o["period"], o["need"]))
    return out


def service_extensions(sessions: sessionmaker, now: Optional[datetime] = None
                       ) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """``{service id: {"service_feedback": [...], "service_outcomes": [...]}}``: the profile's
    extension properties of each service that has published figures (HSDS ids)."""
    return from_export(open_export.build(sessions, now=now))


def document(sessions: sessionmaker, now: Optional[datetime] = None) -> Dict[str, Any]:
    """What ``GET /open/hsds_extension.json`` serves: the profile's identity and, per service,
    its id and extension properties (to merge into the HSDS ``service`` of that id)."""
    export = open_export.build(sessions, now=now)
    services = [{"id": sid, **ext} for sid, ext in sorted(from_export(export).items())]
    logger.info("HSDS extension document built (%d services)", len(services))
    return {"schema": DOCUMENT_SCHEMA, "profile": PROFILE_URI,
            "profile_version": PROFILE_VERSION, "hsds_version": HSDS_VERSION,
            "licence": export["licence"], "generated_at": export["generated_at"],
            "framework_version": export["framework_version"],
            "suppression_threshold": export["suppression_threshold"], "services": services}
