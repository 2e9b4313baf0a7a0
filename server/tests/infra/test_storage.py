"""Object storage: the same behaviours from the data-dir folder and from an S3-compatible bucket.

The S3 store is tested against a real S3-compatible server process: moto's standalone server
(``moto_server``, from moto[server]), the one that installs here, started on a free port for the
session and spoken to over HTTP by boto3 exactly as a bucket on AWS or MinIO would be.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

import boto3
import pytest
from fllc_server.infra.outside import OutsideCalls
from fllc_server.infra.storage import (
    FolderStorage,
    InvalidKey,
    ObjectNotFound,
    ObjectStorage,
    S3Location,
    S3Storage,
    StorageError,
    build_storage,
    read_all,
)

CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing-secret"}


def _bucket(endpoint: str, name: str) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing-secret",
    )
    client.create_bucket(Bucket=name)


_buckets = iter(range(1, 1_000_000))


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStorage:
    if request.param == "folder":
        return FolderStorage(tmp_path / "storage")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"fllc-test-{next(_buckets)}"
    _bucket(endpoint, bucket)
    return S3Storage(
        S3Location.parse(f"s3://{bucket}/site-a"), endpoint_url=endpoint, region="us-east-1", **CREDENTIALS
    )


async def _async_chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_put_from_bytes_file_and_iterators_reads_back_the_same_bytes(
    store: ObjectStorage, tmp_path: Path
) -> None:
    source = tmp_path / "source.csv"
    source.write_bytes(b"sku,qty\nA,1\n")
    await store.put("reports/a.bin", b"\x00\x01raw")
    await store.put("reports/b.csv", source)
    await store.put("reports/c.txt", iter([b"one ", b"two ", b"three"]))
    await store.put("reports/d.txt", _async_chunks([b"async ", b"chunks"]))

    assert await read_all(await store.open("reports/a.bin")) == b"\x00\x01raw"
    assert await read_all(await store.open("reports/b.csv")) == b"sku,qty\nA,1\n"
    assert await read_all(await store.open("reports/c.txt")) == b"one two three"
    assert await read_all(await store.open("reports/d.txt")) == b"async chunks"


async def test_stat_and_open_carry_size_time_and_type(store: ObjectStorage) -> None:
    written = await store.put("reports/2026/valuation.pdf", b"%PDF-1.4 fake")
    info = await store.stat("reports/2026/valuation.pdf")
    assert info == written
    assert info.size == 13
    assert info.content_type == "application/pdf"
    assert abs(time.time() - info.modified_at.timestamp()) < 300
    reader = await store.open("reports/2026/valuation.pdf")
    assert reader.info.size == 13
    await reader.aclose()


async def test_a_large_object_streams_in_chunks_both_ways(store: ObjectStorage) -> None:
    """20 MiB from an iterator (S3: a multipart upload), read back as many chunks."""
    block = os.urandom(1024 * 1024)
    parts = [bytes([n]) + block[1:] for n in range(20)]
    await store.put("backups/big.bin", iter(parts))
    digest = hashlib.sha256()
    chunks = 0
    async for chunk in await store.open("backups/big.bin"):
        digest.update(chunk)
        chunks += 1
    assert digest.hexdigest() == hashlib.sha256(b"".join(parts)).hexdigest()
    assert chunks > 1
    assert (await store.stat("backups/big.bin")).size == 20 * 1024 * 1024


async def test_list_by_prefix_in_key_order_with_sizes(store: ObjectStorage) -> None:
    await store.put("reports/2/b.csv", b"bb")
    await store.put("reports/1/a.csv", b"a")
    await store.put("backups/x.fllc", b"xxx")
    listed = await store.list("reports/")
    assert [(item.key, item.size) for item in listed] == [("reports/1/a.csv", 1), ("reports/2/b.csv", 2)]
    assert [item.key for item in await store.list()] == [
        "backups/x.fllc",
        "reports/1/a.csv",
        "reports/2/b.csv",
    ]
    assert await store.list("nothing/") == []


async def test_delete_removes_and_missing_objects_say_so(store: ObjectStorage) -> None:
    await store.put("reports/gone.csv", b"x")
    await store.delete("reports/gone.csv")
    await store.delete("reports/never-there.csv")  # deleting twice is harmless
    with pytest.raises(ObjectNotFound):
        await store.open("reports/gone.csv")
    with pytest.raises(ObjectNotFound):
        await store.stat("reports/gone.csv")
    assert await store.list("reports/") == []


async def test_an_overwrite_replaces_the_object(store: ObjectStorage) -> None:
    await store.put("reports/r.csv", b"first version")
    await store.put("reports/r.csv", b"second")
    assert await read_all(await store.open("reports/r.csv")) == b"second"


async def test_a_failed_write_leaves_no_object_and_keeps_the_old_one(store: ObjectStorage) -> None:
    await store.put("reports/keep.csv", b"old")

    async def broken() -> AsyncIterator[bytes]:
        yield b"partial data " * 1000
        raise RuntimeError("the renderer failed")

    with pytest.raises(RuntimeError, match="renderer failed"):
        await store.put("reports/keep.csv", broken())
    with pytest.raises(RuntimeError, match="renderer failed"):
        await store.put("reports/new.csv", broken())
    assert await read_all(await store.open("reports/keep.csv")) == b"old"
    assert [item.key for item in await store.list()] == ["reports/keep.csv"]


@pytest.mark.parametrize(
    "key",
    ["", "../escape", "/etc/passwd", "a//b", "a/../b", ".hidden", "a/.partial/x", "a/", "x\\..\\y", "a b"],
)
async def test_keys_that_could_leave_the_store_are_refused(store: ObjectStorage, key: str) -> None:
    with pytest.raises(InvalidKey):
        await store.put(key, b"x")
    with pytest.raises(InvalidKey):
        await store.open(key)
    with pytest.raises(InvalidKey):
        await store.delete(key)


async def test_folder_store_is_private(tmp_path: Path) -> None:
    root = tmp_path / "storage"
    store = FolderStorage(root)
    await store.put("reports/2026/12/r.pdf", b"secret costs")
    for path in [root, root / "reports", root / "reports/2026", root / "reports/2026/12"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    assert stat.S_IMODE((root / "reports/2026/12/r.pdf").stat().st_mode) == 0o600
    assert list((root / ".partial").iterdir()) == []  # nothing half-written left behind


async def test_s3_prefixes_keep_two_sites_apart(s3_endpoint: str) -> None:
    _bucket(s3_endpoint, "fllc-shared")
    a = S3Storage(S3Location.parse("s3://fllc-shared/site-a"), endpoint_url=s3_endpoint, **CREDENTIALS)
    b = S3Storage(S3Location.parse("s3://fllc-shared/site-b/"), endpoint_url=s3_endpoint, **CREDENTIALS)
    await a.put("reports/r.csv", b"a")
    await b.put("reports/r.csv", b"bb")
    assert [(o.key, o.size) for o in await a.list()] == [("reports/r.csv", 1)]
    assert await read_all(await b.open("reports/r.csv")) == b"bb"


def test_the_storage_url_selects_the_store(tmp_path: Path) -> None:
    default = build_storage(None, tmp_path)
    assert isinstance(default, FolderStorage)
    assert default.root == tmp_path / "storage"
    folder = build_storage(f"file://{tmp_path}/files", tmp_path)
    assert isinstance(folder, FolderStorage)
    assert folder.root == tmp_path / "files"
    s3 = build_storage("s3://bucket/some/prefix", tmp_path, region="eu-west-1", **CREDENTIALS)
    assert isinstance(s3, S3Storage)
    assert s3.location == S3Location("bucket", "some/prefix/")
    with pytest.raises(ValueError, match="s3://bucket"):
        build_storage("ftp://host/x", tmp_path)


async def test_a_bucket_that_never_answers_costs_the_timeout_then_its_breaker_opens(dead_partner) -> None:
    """The bucket is a partner (infra.outside): a hung endpoint is given up on at the partner timeout,
    a missing object is an answer (not a failure), and after the threshold the breaker opens and
    calls fail at once, without connecting."""
    outside = OutsideCalls(threshold=2, reset_seconds=60, timeout=0.3)
    dead = S3Storage(
        S3Location.parse("s3://fllc-dead/site"),
        endpoint_url=dead_partner.url,
        region="us-east-1",
        outside=outside,
        attempts=1,
        **CREDENTIALS,
    )
    for attempt in (1, 2):
        with pytest.raises(StorageError, match=r"did not answer within 0\.3 s"):
            await dead.stat("backups/fllc-backup-20261203T140000Z.fllcbak")
        assert dead_partner.connections == attempt
    assert await outside.state("storage:s3:fllc-dead") == "opened"
    with pytest.raises(StorageError, match="not called again"):
        await dead.list("backups/")
    assert dead_partner.connections == 2


async def test_a_missing_object_does_not_count_against_the_bucket(s3_endpoint: str) -> None:
    _bucket(s3_endpoint, "fllc-missing")
    outside = OutsideCalls(threshold=1, reset_seconds=60)
    store = S3Storage(
        S3Location.parse("s3://fllc-missing/"), endpoint_url=s3_endpoint, outside=outside, **CREDENTIALS
    )
    for _ in range(3):
        with pytest.raises(ObjectNotFound):
            await store.stat("reports/none.csv")
    assert await outside.state("storage:s3:fllc-missing") == "closed"
    await store.put("reports/r.csv", b"r")
    assert (await store.stat("reports/r.csv")).size == 1
