"""Connector tests start as returning users: the first-contact privacy notice is tested on its
own (tests/connectors/test_gate.py and the tests marked ``first_contact``), so the others can
assert exactly the replies they are about."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def notice_already_seen(request, monkeypatch):
    if "first_contact" in request.keywords:
        return
    monkeypatch.setattr("connectors.gate.consent.record_notice", lambda *a, **k: False)
