"""Every inbox source's handler, registered by each process that handles the inbox: the app
(create_app) and a job worker (jobs.worker), which builds no app."""

from __future__ import annotations

from fllc_server.integrations.edi.inbound import register_handler as register_edi_handler
from fllc_server.integrations.payments.service import register_handlers as register_payment_handlers
from fllc_server.integrations.payments.stripe import STRIPE
from fllc_server.integrations.pos.generic import GENERIC
from fllc_server.integrations.pos.service import register_handlers as register_pos_handlers
from fllc_server.integrations.pos.shopify import SHOPIFY


def register_inbox_handlers() -> None:
    register_pos_handlers([GENERIC, SHOPIFY])
    register_payment_handlers([STRIPE])
    register_edi_handler()
