"""Payment gateways: a provider class per gateway turns its signed events into what happened to
an order's money; the inbox stores each event once and the payment service applies it."""
