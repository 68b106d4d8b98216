"""Console fixtures: two organisations, their workers, and an app per test."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict

import pytest

from bot.accounts import accounts
from bot.keys import Keys

PASSWORD = "correct horse battery"
KEYS = Keys("c" * 40)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Team:
    workers: Dict[str, Any]


@pytest.fixture
def team(sessions) -> Team:
    accounts.add_org(sessions, "leeds_hub", "Leeds Youth Hub")
    accounts.add_org(sessions, "other_org", "Other Org")
    accounts.add_org(sessions, "default", "Default Service")
    return Team({
        "jo": accounts.add_worker(sessions, "jo@example.org", PASSWORD, "leeds_hub",
                                  display_name="Jo"),
        "sam": accounts.add_worker(sessions, "sam@example.org", PASSWORD, "leeds_hub",
                                   display_name="Sam"),
        "admin": accounts.add_worker(sessions, "admin@example.org", PASSWORD, "leeds_hub",
                                     "admin", display_name="Ali"),
        "eve": accounts.add_worker(sessions, "eve@example.org", PASSWORD, "other_org",
                                   display_name="Eve"),
    })


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered page."""
    m = CSRF.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)
