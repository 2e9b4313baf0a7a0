"""Sales records: customers with addresses, orders with items, reviews; idempotent order creation."""
