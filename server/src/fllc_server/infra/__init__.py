"""Redis-or-in-process: cache, pub/sub and rate-limit storage behind one interface each."""
