"""The server image's entrypoint: turn the container's settings into fllc-server's, then exec it.

- `NAME_FILE` (a Docker/compose secret mounted as a file) sets `NAME` for every FLLC_* variable.
- With no FLLC_DATABASE_URL, FLLC_DB_HOST/_PORT/_NAME/_USER/_PASSWORD compose it (MySQL/MariaDB, the
  password URL-quoted), and FLLC_DB_REPLICA_HOST the replica's; with no FLLC_REDIS_URL,
  FLLC_REDIS_HOST/_PORT/_DB/_AUTH_TOKEN/_TLS compose it. ECS injects these from Secrets Manager.
- Then it becomes `fllc-server ARGS` (exec: the server gets SIGTERM directly, no shell in between).

Standard library only: it runs with the image's Python before anything else.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, MutableMapping
from urllib.parse import quote


def read_secret_files(env: MutableMapping[str, str]) -> None:
    for name in [key for key in env if key.startswith("FLLC_") and key.endswith("_FILE")]:
        target = name.removesuffix("_FILE")
        if target not in env:
            with open(env[name], encoding="utf-8") as handle:
                env[target] = handle.read().strip()


def database_url(env: Mapping[str, str], host_key: str = "FLLC_DB_HOST") -> str | None:
    host = env.get(host_key)
    if not host:
        return None
    user = quote(env.get("FLLC_DB_USER", "fllc"), safe="")
    password = quote(env.get("FLLC_DB_PASSWORD", ""), safe="")
    credentials = f"{user}:{password}" if password else user
    port = env.get("FLLC_DB_PORT", "3306")
    name = env.get("FLLC_DB_NAME", "fllc")
    return f"mysql+asyncmy://{credentials}@{host}:{port}/{name}?charset=utf8mb4"


def redis_url(env: Mapping[str, str]) -> str | None:
    host = env.get("FLLC_REDIS_HOST")
    if not host:
        return None
    scheme = "rediss" if env.get("FLLC_REDIS_TLS", "").lower() in ("1", "true", "yes") else "redis"
    token = env.get("FLLC_REDIS_AUTH_TOKEN")
    credentials = f":{quote(token, safe='')}@" if token else ""
    return (
        f"{scheme}://{credentials}{host}:{env.get('FLLC_REDIS_PORT', '6379')}/{env.get('FLLC_REDIS_DB', '0')}"
    )


def prepare(env: MutableMapping[str, str]) -> None:
    read_secret_files(env)
    composed = {
        "FLLC_DATABASE_URL": database_url(env),
        "FLLC_DATABASE_REPLICA_URL": database_url(env, "FLLC_DB_REPLICA_HOST"),
        "FLLC_REDIS_URL": redis_url(env),
    }
    for key, value in composed.items():
        if value and not env.get(key):
            env[key] = value


def main(argv: list[str]) -> None:
    env = os.environ
    prepare(env)
    program = shutil.which("fllc-server") or os.path.join(os.path.dirname(sys.executable), "fllc-server")
    os.execve(program, [program, *argv], dict(env))  # noqa: S606 - no shell on purpose


if __name__ == "__main__":
    main(sys.argv[1:])
