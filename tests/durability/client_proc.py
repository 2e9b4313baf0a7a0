"""The desktop client's sync, as a process of its own, for the kill tests.

    python tests/durability/client_proc.py --data-dir DIR --server URL --username U --password P

Opens the local store the way the app does (``LocalStore.open_or_recover``), signs in, and runs the
sync engine until the user's outbox has nothing pending. It prints ``syncing`` once it starts
pushing, then one JSON line with the final counts. The tests kill it with SIGKILL at random moments
and start it again; everything it needs to resume is in the data folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import keyring.backend

from fllc_desktop.api import ApiClient
from fllc_desktop.api.errors import OfflineError
from fllc_desktop.api.tokens import RefreshTokenVault, TokenStore
from fllc_desktop.store import LocalStore, OpOwner
from fllc_desktop.sync import Backoff, SyncEngine


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Forgets on exit: the tests never touch the machine's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


def api_client(url: str) -> ApiClient:
    return ApiClient(url, tokens=TokenStore(RefreshTokenVault(url, backend=MemoryKeyring())))


def sign_in(client: ApiClient, username: str, password: str, deadline: float) -> int:
    while True:
        try:
            return int(client.auth.login(username, password).user.id)
        except OfflineError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--device-id", default="durability-tablet")
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    store, _report = LocalStore.open_or_recover(args.data_dir)
    client = api_client(args.server)
    owner = OpOwner.of(args.server, sign_in(client, args.username, args.password, deadline))
    engine = SyncEngine(
        client.sync,
        store.outbox,
        store.catalog,
        owner,
        args.device_id,
        batch_size=args.batch,
        backoff=Backoff(base=0.1, cap=1.0),
    )
    print("syncing", flush=True)
    while time.monotonic() < deadline:
        report = engine.sync_once()
        counts = store.outbox.counts(owner)
        if report.error is None and counts.pending == 0:
            print(json.dumps({"pending": 0, "needs_attention": counts.needs_attention}), flush=True)
            return 0
        time.sleep(engine.status.retry_in or 0)
    print(json.dumps({"pending": store.outbox.counts(owner).pending, "timeout": True}), flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
