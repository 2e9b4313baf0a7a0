"""The root of every provider class, and the registry the dispatch looks names up in.

A provider is one class per vendor (`integrations.pos.shopify.ShopifyPos`, ...). It says its name
(the inbox source and the URL segment), its kind (pos | payments), the secrets it needs, and turns
its vendor's messages into our commands. Each kind's package lists its vendors
(`pos.POS_PROVIDERS`, `payments.PAYMENT_PROVIDERS`) and the composition root puts them into the
app's (or worker's) `Providers` (`AppState.providers`, integrations.registries): a provider there has
its webhook route answering, its inbox messages handled and its switch on the Integrations screen.
Importing a module registers nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import ClassVar


class Provider:
    name: ClassVar[str]
    kind: ClassVar[str]
    title: ClassVar[str]
    secret_names: ClassVar[tuple[str, ...]] = ()
    # Signed webhooks need their secret: with none configured, every delivery is refused.
    signed: ClassVar[bool] = True

    def test_delivery(self, secrets: Callable[[str], str | None], nonce: str) -> tuple[dict[str, str], bytes]:
        """A harmless delivery signed the way the vendor signs (headers in lower case, raw body)
        for "send a test event"; `secrets` looks up the stored secrets (None: not set, and the
        delivery goes unsigned, so the verification refuses it). A provider that signs nothing
        has no test event."""
        raise NotImplementedError


class Providers:
    """The providers one app (or worker) serves, by name: built by its composition root."""

    def __init__(self, providers: Iterable[Provider] = ()) -> None:
        self._providers: dict[str, Provider] = {}
        for provider in providers:
            self.register(provider)

    def register(self, provider: Provider) -> None:
        """Add (or replace, e.g. in tests) the provider of `provider.name`."""
        self._providers[provider.name] = provider

    def get(self, name: str) -> Provider | None:
        return self._providers.get(name)

    def all(self) -> list[Provider]:
        """Every provider, by kind then name."""
        return sorted(self._providers.values(), key=lambda p: (p.kind, p.name))


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def same(a: bytes | str, b: bytes | str) -> bool:
    """Constant-time comparison."""
    left = a.encode() if isinstance(a, str) else a
    right = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(left, right)
