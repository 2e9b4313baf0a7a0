"""Which peer addresses may speak for the client: X-Forwarded-For and X-Forwarded-Proto are
believed only from the reverse proxies named in FLLC_TRUSTED_PROXIES (none by default), so a
client cannot pick its own address for the rate limit and the sign-in throttle."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxies:
    def __init__(self, networks: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def apply(self, scope: Scope) -> None:
        """Rewrite the scope's client (and scheme) from the headers of a trusted proxy: the
        client is the nearest address in X-Forwarded-For that is not itself a trusted proxy."""
        client = scope.get("client")
        if not self.networks or not client or not self.trusts(client[0]):
            return
        forwarded, proto = _forwarding_headers(scope)
        if forwarded:
            hops = [hop.strip() for hop in forwarded.split(",")]
            for hop in reversed(hops):
                if _address(hop) is None:
                    break  # a garbled chain: believe nothing beyond the proxy itself
                if not self.trusts(hop):
                    scope["client"] = (hop, 0)
                    break
        if proto in ("http", "https"):
            websocket = scope["type"] == "websocket"
            scope["scheme"] = {"http": "ws", "https": "wss"}[proto] if websocket else proto


def _forwarding_headers(scope: Scope) -> tuple[str, str]:
    forwarded = proto = ""
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            forwarded = f"{forwarded},{value.decode('latin-1')}" if forwarded else value.decode("latin-1")
        elif name == b"x-forwarded-proto":
            proto = value.decode("latin-1").split(",")[-1].strip().lower()
    return forwarded, proto
