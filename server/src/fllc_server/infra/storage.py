"""Object storage for the files the server makes (reports, backups, labels): a folder in the data dir
by default, an S3-compatible bucket when ``FLLC_STORAGE_URL=s3://bucket/prefix``.

Keys are relative paths of plain segments (``reports/2026/12/17.pdf``): letters, digits, ``.``,
``_`` and ``-``, no segment starting with a dot, so ``..``, absolute paths and hidden files cannot be
named and a key never reaches outside the store. Objects are written whole or not at all (the folder
store writes beside the target and renames; S3 completes a multipart upload or nothing), read as a
stream of chunks, listed by key prefix with their size and time.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import mimetypes
import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from fllc_server.infra.outside import OutsideCalls, PartnerUnavailable

CHUNK = 256 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")
_PARTIAL_DIR = ".partial"  # unfinished writes of the folder store; no key can name it

Source = Path | bytes | Iterable[bytes] | AsyncIterable[bytes]


class StorageError(Exception):
    """Storage failed for a reason of its own (unreachable bucket, full disk)."""


class InvalidKey(ValueError):  # noqa: N818 - it names what the caller did wrong, like KeyError
    """A key that is not a relative path of plain segments."""


class ObjectNotFound(LookupError):  # noqa: N818
    """No object has this key."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified_at: dt.datetime
    content_type: str


class ObjectReader(Protocol):
    """An open object: its metadata now, its bytes as chunks while iterating; close it when done."""

    info: StoredObject

    def __aiter__(self) -> AsyncIterator[bytes]: ...
    async def aclose(self) -> None: ...


class ObjectStorage(Protocol):
    async def put(self, key: str, source: Source, *, content_type: str | None = None) -> StoredObject: ...
    async def open(self, key: str) -> ObjectReader: ...
    async def stat(self, key: str) -> StoredObject: ...
    async def delete(self, key: str) -> None: ...
    async def list(self, prefix: str = "") -> builtins.list[StoredObject]: ...


def check_key(key: str) -> str:
    segments = key.split("/")
    if not key or any(not _SEGMENT.match(segment) for segment in segments):
        raise InvalidKey(f"{key!r} is not a storage key (relative path of plain names, no dot first)")
    return key


def check_prefix(prefix: str) -> str:
    """A prefix is a key, a key with a trailing slash, or empty (everything)."""
    if prefix:
        check_key(prefix.removesuffix("/"))
    return prefix


def guess_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


async def read_all(reader: ObjectReader) -> bytes:
    try:
        return b"".join([chunk async for chunk in reader])
    finally:
        await reader.aclose()


def _next_chunk(iterator: Iterator[bytes]) -> bytes | None:
    return next(iterator, None)


async def _chunks(source: Source) -> AsyncIterator[bytes]:
    """Any source as chunks of bytes, reading files and sync iterators off the event loop."""
    if isinstance(source, bytes):
        yield source
    elif isinstance(source, Path):
        handle = await asyncio.to_thread(source.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()
    elif isinstance(source, AsyncIterable):
        async for chunk in source:
            yield chunk
    else:
        iterator = iter(source)
        while (part := await asyncio.to_thread(_next_chunk, iterator)) is not None:
            yield part


# -- a folder ------------------------------------------------------------------------------------------


class _FileReader:
    def __init__(self, info: StoredObject, handle: IO[bytes]) -> None:
        self.info = info
        self._handle = handle

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(self._handle.read, CHUNK):
                yield chunk
        finally:
            self._handle.close()

    async def aclose(self) -> None:
        self._handle.close()


class FolderStorage:
    """Objects as files under one folder: folders 0700, files 0600 (reports carry cost prices)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*check_key(key).split("/"))
        # The segment rule already keeps keys inside; this keeps it so if the rule ever loosens.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidKey(f"{key!r} leaves the store")
        return path

    def _ensure_dir(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir(mode=0o700, exist_ok=True)
            os.chmod(path, 0o700)

    async def put(self, key: str, source: Source, *, content_type: str | None = None) -> StoredObject:
        target = self._path(key)
        partial_dir = self.root / _PARTIAL_DIR
        await asyncio.to_thread(self._ensure_dir, target.parent)
        await asyncio.to_thread(self._ensure_dir, partial_dir)
        partial = partial_dir / secrets.token_hex(8)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                async for chunk in _chunks(source):
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(handle.flush)
                await asyncio.to_thread(os.fsync, handle.fileno())
            await asyncio.to_thread(os.replace, partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return await self.stat(key)

    def _info(self, key: str, path: Path) -> StoredObject:
        try:
            status = path.stat()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        return StoredObject(
            key=key,
            size=status.st_size,
            modified_at=dt.datetime.fromtimestamp(status.st_mtime, dt.UTC),
            content_type=guess_type(key),
        )

    async def stat(self, key: str) -> StoredObject:
        return await asyncio.to_thread(self._info, key, self._path(key))

    async def open(self, key: str) -> ObjectReader:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        return _FileReader(await self.stat(key), handle)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def list(self, prefix: str = "") -> builtins.list[StoredObject]:
        check_prefix(prefix)
        return await asyncio.to_thread(self._list, prefix)

    def _list(self, prefix: str) -> builtins.list[StoredObject]:
        if not self.root.exists():
            return []
        found = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            relative = Path(folder).relative_to(self.root).as_posix()
            for name in sorted(files):
                key = name if relative == "." else f"{relative}/{name}"
                if key.startswith(prefix) and not name.startswith("."):
                    found.append(self._info(key, Path(folder) / name))
        return sorted(found, key=lambda item: item.key)


# -- S3 ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ends with "/"

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"{url!r} is not s3://bucket[/prefix]")
        prefix = parts.path.strip("/")
        if prefix:
            check_key(prefix)
        return cls(parts.netloc, f"{prefix}/" if prefix else "")


class _S3Reader:
    def __init__(self, info: StoredObject, body: Any) -> None:
        self.info = info
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(self._body.read, CHUNK):
                yield chunk
        finally:
            self._body.close()

    async def aclose(self) -> None:
        self._body.close()


class _ChunkStream:
    """A file-like object over chunks handed in from the event loop, read by boto3's upload thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, chunks: AsyncIterator[bytes]) -> None:
        self._loop = loop
        self._chunks = chunks
        self._buffer = b""
        self._done = False

    async def _pull(self) -> bytes | None:
        return await anext(self._chunks, None)

    def _next(self) -> bytes | None:
        return asyncio.run_coroutine_threadsafe(self._pull(), self._loop).result()

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            chunk = self._next()
            if chunk is None:
                self._done = True
            else:
                self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


TRANSFER_SECONDS = 1800.0  # a whole upload (a large database's backup); every other call: the partner timeout


class _Raise:
    """A call's failure that is not the bucket's: an object that is not there (the bucket answered),
    or our own side failing (the source of an upload). Raised to the caller, not counted by the breaker."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class S3Storage:
    """Objects in an S3-compatible bucket under a key prefix, through boto3 on worker threads.

    Uploads go through boto3's managed transfer (multipart above 8 MiB), so a large file streams
    and a failed upload leaves no object. Credentials and endpoint come from the FLLC_S3_* settings
    or, when those are unset, from boto3's own chain (AWS_* variables, instance role).

    The bucket is a partner like any other (infra.outside, `storage:s3:<bucket>`): every call has
    the partner timeout (an upload `TRANSFER_SECONDS`) and goes through the bucket's breaker, so an
    endpoint that stops answering costs a caller at most the timeout, then fails at once
    (StorageError) while the breaker is open. boto3's own socket timeouts are the partner timeout
    too, so a worker thread left waiting on a dead endpoint ends as well."""

    def __init__(
        self,
        location: S3Location,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        outside: OutsideCalls | None = None,
        attempts: int = 5,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.location = location
        self.partner = f"storage:s3:{location.bucket}"
        self._outside = outside or OutsideCalls()
        timeout = self._outside.timeout
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                retries={"total_max_attempts": attempts, "mode": "standard"},
                connect_timeout=min(timeout, 5.0),
                read_timeout=timeout,
            ),
        )

    def _name(self, key: str) -> str:
        return self.location.prefix + check_key(key)

    async def _outside_call(self, work: Any, *, seconds: float | None = None) -> Any:
        """`work()` on a thread through the bucket's timeout and breaker; its failures as StorageError."""
        try:
            return await self._outside.call_blocking(self.partner, work, seconds=seconds)
        except PartnerUnavailable as exc:
            raise StorageError(f"object storage: {exc}") from exc

    async def _call(self, key: str, method: str, *, seconds: float | None = None, **kwargs: Any) -> Any:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        def attempt() -> Any:
            try:
                return getattr(self._client, method)(**kwargs)
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code in ("404", "NoSuchKey", "NotFound"):
                    return _Raise(ObjectNotFound(key))
                raise  # the bucket's failure: counted
            except (BotoCoreError, Boto3Error):
                raise
            except Exception as exc:  # ours (an upload's source), handed back as it is
                return _Raise(exc)

        answer = await self._outside_call(attempt, seconds=seconds)
        if isinstance(answer, _Raise):
            raise answer.error
        return answer

    async def put(self, key: str, source: Source, *, content_type: str | None = None) -> StoredObject:
        name = self._name(key)
        extra = {"ContentType": content_type or guess_type(key)}
        bucket = self.location.bucket
        if isinstance(source, Path):
            await self._call(
                key,
                "upload_file",
                seconds=TRANSFER_SECONDS,
                Filename=str(source),
                Bucket=bucket,
                Key=name,
                ExtraArgs=extra,
            )
        else:
            stream = _ChunkStream(asyncio.get_running_loop(), aiter(_chunks(source)))
            await self._call(
                key,
                "upload_fileobj",
                seconds=TRANSFER_SECONDS,
                Fileobj=stream,
                Bucket=bucket,
                Key=name,
                ExtraArgs=extra,
            )
        return await self.stat(key)

    async def stat(self, key: str) -> StoredObject:
        head = await self._call(key, "head_object", Bucket=self.location.bucket, Key=self._name(key))
        return StoredObject(
            key=key,
            size=int(head["ContentLength"]),
            modified_at=head["LastModified"].astimezone(dt.UTC),
            content_type=str(head.get("ContentType") or guess_type(key)),
        )

    async def open(self, key: str) -> ObjectReader:
        answer = await self._call(key, "get_object", Bucket=self.location.bucket, Key=self._name(key))
        info = StoredObject(
            key=key,
            size=int(answer["ContentLength"]),
            modified_at=answer["LastModified"].astimezone(dt.UTC),
            content_type=str(answer.get("ContentType") or guess_type(key)),
        )
        return _S3Reader(info, answer["Body"])

    async def delete(self, key: str) -> None:
        await self._call(key, "delete_object", Bucket=self.location.bucket, Key=self._name(key))

    async def list(self, prefix: str = "") -> builtins.list[StoredObject]:
        check_prefix(prefix)
        found: builtins.list[StoredObject] = await self._outside_call(lambda: self._list(prefix))
        return found

    def _list(self, prefix: str) -> builtins.list[StoredObject]:
        found = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self.location.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"]).removeprefix(self.location.prefix)
                found.append(
                    StoredObject(
                        key=key,
                        size=int(item["Size"]),
                        modified_at=item["LastModified"].astimezone(dt.UTC),
                        content_type=guess_type(key),
                    )
                )
        return sorted(found, key=lambda item: item.key)


def build_storage(
    url: str | None,
    data_dir: Path,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    outside: OutsideCalls | None = None,
) -> ObjectStorage:
    """The store a URL names: ``s3://bucket/prefix``, ``file:///path`` or a path; none: the data dir's.
    `outside`: the app's timeouts and breakers, which a bucket's calls go through."""
    if url is None:
        return FolderStorage(data_dir / "storage")
    if url.startswith("s3://"):
        return S3Storage(
            S3Location.parse(url),
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            outside=outside,
        )
    if url.startswith("file://"):
        return FolderStorage(Path(urlsplit(url).path))
    if "://" in url:
        raise ValueError(f"FLLC_STORAGE_URL {url!r}: use s3://bucket/prefix or a folder path")
    return FolderStorage(Path(url))
