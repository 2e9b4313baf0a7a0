"""/metrics after sync pushes: each op's outcome, its age on arrival (the sync backlog) and, per
push, the age of the pushing desktop's oldest op (its outbox) — what the alert rules watch."""

from __future__ import annotations

import datetime as dt
import re

from fllc_server.backup.store import BackupStore


def sample(metrics: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", metrics, flags=re.M)
    assert match, f"{name}{labels} not in /metrics"
    return float(match.group(1))


async def test_push_counts_outcomes_and_ages(client, push, ops, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    now = dt.datetime.now(dt.UTC)
    old = (now - dt.timedelta(hours=2)).isoformat()
    fresh = (now - dt.timedelta(seconds=3)).isoformat()
    first = ops.intake(warehouse.widget, 1, created_at=old)
    assert (await push(staff, first, ops.intake(warehouse.widget, 2, created_at=fresh))).status_code == 200
    assert (await push(staff, first)).status_code == 200  # a duplicate
    assert (await push(staff, ops.intake(warehouse.gadget, 1, created_at=fresh))).status_code == 200

    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "fllc_sync_ops_total", '{status="applied"}') == 3
    assert sample(metrics, "fllc_sync_ops_total", '{status="duplicate"}') == 1
    assert sample(metrics, "fllc_sync_op_age_seconds_count") == 4
    assert sample(metrics, "fllc_sync_op_age_seconds_bucket", '{le="10.0"}') == 2
    assert sample(metrics, "fllc_sync_op_age_seconds_bucket", '{le="3600.0"}') == 2
    # Three pushes; the first two carried the two-hour-old op, the third only a fresh one.
    assert sample(metrics, "fllc_sync_outbox_age_seconds_count") == 3
    assert sample(metrics, "fllc_sync_outbox_age_seconds_bucket", '{le="3600.0"}') == 1
    assert sample(metrics, "fllc_sync_outbox_age_seconds_bucket", '{le="14400.0"}') == 3


async def test_backup_age_is_the_newest_backup_in_the_object_storage(client, settings, app, tmp_path) -> None:
    """Where the scheduled backups go (backup.store: `backups/` of the default folder store)."""
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "fllc_backup_last_success_timestamp_seconds") == 0
    store = BackupStore.for_settings(settings, app.state.fllc.storage)
    for name in ("fllc-backup-20261203T140000Z.fllcbak", "fllc-backup-20261203T141500Z.fllcbak"):
        (tmp_path / name).write_bytes(b"")
        await store.put(tmp_path / name)
    await app.state.fllc.storage.put("backups/notes.txt", b"not a backup")
    metrics = (await client.get("/metrics")).text
    newest = dt.datetime(2026, 12, 3, 14, 15, tzinfo=dt.UTC).timestamp()
    assert sample(metrics, "fllc_backup_last_success_timestamp_seconds") == newest
