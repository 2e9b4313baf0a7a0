"""The integrations a process serves — the providers and every inbox source's handler — built by
each process that handles the inbox: the app (create_app) and a job worker (jobs.worker), which
builds no app. Each call builds new registries, so two apps in one process share none."""

from __future__ import annotations

from fllc_server.integrations.edi.inbound import inbox_handlers as edi_inbox_handlers
from fllc_server.integrations.inbox.service import InboxHandlers
from fllc_server.integrations.payments.service import inbox_handlers as payment_inbox_handlers
from fllc_server.integrations.payments.stripe import STRIPE
from fllc_server.integrations.pos.generic import GENERIC
from fllc_server.integrations.pos.service import inbox_handlers as pos_inbox_handlers
from fllc_server.integrations.pos.shopify import SHOPIFY
from fllc_server.integrations.providers.base import Providers

POS_PROVIDERS = (GENERIC, SHOPIFY)
PAYMENT_PROVIDERS = (STRIPE,)


def integration_providers() -> Providers:
    """Every vendor's provider, in a registry of this process's own."""
    return Providers([*POS_PROVIDERS, *PAYMENT_PROVIDERS])


def inbox_handlers() -> InboxHandlers:
    """Every inbox source's handler, in a registry of this process's own."""
    return InboxHandlers(
        {
            **pos_inbox_handlers(POS_PROVIDERS),
            **payment_inbox_handlers(PAYMENT_PROVIDERS),
            **edi_inbox_handlers(),
        }
    )
