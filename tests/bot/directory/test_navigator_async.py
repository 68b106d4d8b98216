"""The navigator's async wrappers give the same answers, off the event loop."""
from __future__ import annotations

import asyncio
import threading


def test_async_wrappers_match_and_run_in_a_worker_thread(navigator, monkeypatch):
    loop_thread = threading.get_ident()
    seen = []
    real = navigator.search

    def spy(*args, **kwargs):
        seen.append(threading.get_ident())
        return real(*args, **kwargs)

    async def main():
        place = await navigator.aresolve_place("Leeds", whole_message=True)
        monkeypatch.setattr(navigator, "search", spy)
        page = await navigator.asearch(["housing"], place.latitude, place.longitude, 19)
        detail = await navigator.aservice(page.results[0].id)
        await navigator.araise_alert("s-1", ("suicide",))
        return place, page, detail

    place, page, detail = asyncio.run(main())
    assert place and page.results and detail is not None
    assert seen and seen[0] != loop_thread
