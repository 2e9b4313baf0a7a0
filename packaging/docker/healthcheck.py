"""The image's HEALTHCHECK.

- `fllc-healthcheck`: exit 0 when this container's server answers /readyz with 200
  (FLLC_HEALTHCHECK_URL overrides the address).
- `fllc-healthcheck --connections` (worker, scheduler: no HTTP port): exit 0 when the database and
  Redis the container is configured for accept a TCP connection.

Standard library only (the image has no curl).
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 - a fixed local URL
            return bool(response.status == 200)
    except OSError:
        return False


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=4):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    env = os.environ
    if "--connections" in argv:
        targets = [
            (env.get("FLLC_DB_HOST"), int(env.get("FLLC_DB_PORT", "3306"))),
            (env.get("FLLC_REDIS_HOST"), int(env.get("FLLC_REDIS_PORT", "6379"))),
        ]
        return 0 if all(reachable(host, port) for host, port in targets if host) else 1
    return 0 if ready(env.get("FLLC_HEALTHCHECK_URL", "http://127.0.0.1:8000/readyz")) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
