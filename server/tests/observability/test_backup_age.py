"""fllc_backup_last_success_timestamp_seconds when the backups are in a bucket (FLLC_STORAGE_URL=s3://,
moto's standalone server): the newest stored backup's time, looked up in the background at most once
a minute, so FllcBackupTooOld is fed in every storage mode; a bucket that never answers keeps the
scrape short (at most the patience) and the value as it was. The tests wait for each lookup
(`settled`, or a patience longer than any lookup) instead of racing the scrape."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import boto3
import httpx
from asgi_lifespan import LifespanManager
from fllc_server.app import create_app
from fllc_server.backup.store import BackupStore
from fllc_server.config import Settings
from fllc_server.infra.outside import OutsideCalls
from fllc_server.infra.storage import S3Location, S3Storage
from fllc_server.observability.metrics import ListedBackupAge

GAUGE = "fllc_backup_last_success_timestamp_seconds"


def _sample(metrics: str) -> float:
    match = re.search(rf"^{GAUGE} (\S+)$", metrics, flags=re.M)
    assert match, f"{GAUGE} not in /metrics"
    return float(match.group(1))


def _bucket_settings(settings: Settings, endpoint: str, name: str) -> Settings:
    bucket = f"{name}-{uuid.uuid4().hex[:8]}"  # one moto server serves the session: a bucket per test
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing-secret",
    ).create_bucket(Bucket=bucket)
    return settings.model_copy(
        update={
            "storage_url": f"s3://{bucket}/site",
            "s3_endpoint_url": endpoint,
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing-secret",
        }
    )


@asynccontextmanager
async def _scraper(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, ListedBackupAge]]:
    app = create_app(settings, migrate=False)
    (age,) = [c for c in app.state.fllc.metrics.registry.scrape_time if isinstance(c, ListedBackupAge)]
    age.patience = 60  # each scrape waits for its lookup: nothing races the machine's load
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, age


async def _store(settings: Settings, folder: Path, *names: str) -> None:
    store = BackupStore.for_settings(settings)
    for name in names:
        (folder / name).write_bytes(b"")
        await store.put(folder / name)


async def test_the_gauge_reads_the_newest_backup_in_the_bucket(
    settings: Settings, s3_endpoint: str, tmp_path: Path
) -> None:
    settings = _bucket_settings(settings, s3_endpoint, "fllc-backup-age")
    async with _scraper(settings) as (client, age):
        assert _sample((await client.get("/metrics")).text) == 0  # none yet
        await _store(settings, tmp_path, "fllc-backup-20261203T140000Z.fllcbak")
        await _store(settings, tmp_path, "fllc-backup-20261203T141500Z.fllcbak")
        await BackupStore.for_settings(settings).storage.put("backups/notes.txt", b"not a backup")
        # asked at most once a minute: the scrape right after still says what the last look saw
        assert _sample((await client.get("/metrics")).text) == 0
        age.every = 0  # the minute has passed
        newest = dt.datetime(2026, 12, 3, 14, 15, tzinfo=dt.UTC).timestamp()
        assert _sample((await client.get("/metrics")).text) == newest


async def test_a_bucket_that_never_answers_leaves_the_value_and_the_scrape_short(
    settings: Settings, s3_endpoint: str, dead_partner, tmp_path: Path
) -> None:
    settings = _bucket_settings(settings, s3_endpoint, "fllc-backup-dead")
    await _store(settings, tmp_path, "fllc-backup-20261203T140000Z.fllcbak")
    async with _scraper(settings) as (client, age):
        seen = dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC).timestamp()
        assert _sample((await client.get("/metrics")).text) == seen
        # the bucket's endpoint now hangs: the gauge's lookup goes to a port that never answers
        hung = S3Storage(
            S3Location.parse(str(settings.storage_url)),
            endpoint_url=dead_partner.url,
            region="us-east-1",
            access_key_id="testing",
            secret_access_key="testing-secret",
            outside=OutsideCalls(timeout=1.0),
            attempts=1,
        )
        age.newest = BackupStore(hung, "the hung bucket").latest_taken_at
        age.every, age.patience = 0, 0.01
        answered = await client.get("/metrics")  # the scrape does not wait for the hung lookup
        assert answered.status_code == 200
        assert _sample(answered.text) == seen
        await age.settled()  # the partner timeout ends the lookup: it failed
        assert dead_partner.connections >= 1
        age.every = 60  # no new lookup: the value is what the failed one left
        assert _sample((await client.get("/metrics")).text) == seen
