"""The on-disk request journal: append-only JSONL, fsynced in group commits, indexed in memory.

Every finished request (success or permanent failure) is one line keyed by a hash of everything that
determines its result. A re-run looks each request up before sending it, so finished work is never
requested twice. A request whose transient retries ran out is journaled too, marked `transient`: it is
not finished, and the next run sends it again. A `kill -9` can at worst leave a torn last line, which the next open discards
(that one request is simply redone). Outputs stay on disk: the in-memory index holds offsets only, so
a 200K-sample journal does not have to fit in memory.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class JournalError(RuntimeError):
    pass


def request_key(
    sample_id: str,
    step: str,
    template_digest: str,
    model_id: str,
    sampling: dict[str, Any],
    request_digest: str,
) -> str:
    """The journal key: sample, step, prompt template (by content), model, sampling parameters, and the
    digest of the full request (which covers the previous steps' outputs and the images)."""
    blob = json.dumps(
        [sample_id, step, template_digest, model_id, sampling, request_digest],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


# Journals written before transient failures were told apart recorded exhausted retries as permanent.
TRANSIENT_REASONS = frozenset({"retries_exhausted"})


@dataclass
class Entry:
    """Where a key's latest record lives, plus what the scheduler needs without reading it."""

    offset: int
    length: int
    ok: bool
    reason: str | None
    failures: int  # permanent failures recorded for this key so far
    transient: bool = False  # the latest record is a transient failure: not finished, send again

    @classmethod
    def of(cls, record: dict[str, Any], offset: int, length: int, previous: Entry | None) -> Entry:
        ok = bool(record["ok"])
        reason = record.get("reason")
        transient = not ok and (bool(record.get("transient")) or reason in TRANSIENT_REASONS)
        permanent = not ok and not transient
        failures = (previous.failures if previous else 0) + permanent
        return cls(offset, length, ok, reason, failures, transient)


class Journal:
    """Open with `Journal.open(path)` (takes an exclusive lock on the file); one writer per file."""

    def __init__(self, path: Path, handle: int, index: dict[str, Entry], size: int):
        self.path = path
        self._fd = handle
        self._index = index
        self._size = size
        self._pending: list[tuple[bytes, str, dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Journal:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            os.close(fd)
            raise JournalError(f"{path} is in use by another cold-start run") from error
        index, good_size = cls._scan(path, fd)
        if good_size < os.fstat(fd).st_size:
            os.ftruncate(fd, good_size)  # drop a line torn by a crash mid-write
            os.fsync(fd)
        os.lseek(fd, good_size, os.SEEK_SET)
        return cls(path, fd, index, good_size)

    @staticmethod
    def _scan(path: Path, fd: int) -> tuple[dict[str, Entry], int]:
        index: dict[str, Entry] = {}
        offset = 0
        with os.fdopen(os.dup(fd), "rb") as reader:
            for line_number, line in enumerate(reader, start=1):
                if not line.endswith(b"\n"):
                    break  # torn tail
                try:
                    record = json.loads(line)
                    key = record["key"]
                    index[key] = Entry.of(record, offset, len(line), index.get(key))
                except (json.JSONDecodeError, KeyError, TypeError) as error:
                    raise JournalError(
                        f"{path}: line {line_number} is not a journal record ({error})"
                    ) from error
                offset += len(line)
        return index, offset

    def __len__(self) -> int:
        return len(self._index)

    def entry(self, key: str) -> Entry | None:
        return self._index.get(key)

    def read(self, key: str) -> dict[str, Any]:
        entry = self._index[key]
        return json.loads(os.pread(self._fd, entry.length, entry.offset))

    async def append(self, key: str, record: dict[str, Any]) -> None:
        """Append `record` under `key`; returns once it is on disk (fsynced with whatever else is queued)."""
        record = {"key": key, **record}
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((line, key, record, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await asyncio.to_thread(self._write_durably, b"".join(line for line, *_ in batch))
            except OSError as error:
                for *_, future in batch:
                    future.set_exception(JournalError(f"{self.path}: cannot append: {error}"))
                continue
            for line, key, record, future in batch:
                self._index[key] = Entry.of(record, self._size, len(line), self._index.get(key))
                self._size += len(line)
                future.set_result(None)

    def _write_durably(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)

    async def drain(self) -> None:
        """Wait until every appended record is on disk."""
        if self._flusher is not None:
            await self._flusher

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing releases the lock
            self._fd = -1
