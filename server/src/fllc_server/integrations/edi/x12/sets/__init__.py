"""The transaction sets: one module per set, each a typed model with its `read` and `write`."""
