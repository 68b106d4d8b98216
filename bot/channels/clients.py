"""A client's network address behind a reverse proxy: the direct peer, unless it is one of the
trusted proxies (the ingress), then the nearest address in ``X-Forwarded-For`` that is not.
Used for per-address limits (console logins, the web chat). Pure Python."""
from __future__ import annotations

import ipaddress
from typing import Tuple


def forwarded_client(peer: str, forwarded: str, trusted: Tuple[str, ...]) -> str:
    """The client address from the direct ``peer`` and an X-Forwarded-For header; a client's
    own X-Forwarded-For is never believed (only hops added by ``trusted`` proxies count)."""
    networks = [ipaddress.ip_network(n) for n in trusted]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in n for n in networks)

    if not is_trusted(peer):
        return peer
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not is_trusted(hop):
            return hop
    return peer
