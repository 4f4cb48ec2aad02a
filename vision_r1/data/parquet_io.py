"""Streaming parquet I/O: rows go to disk in small row groups, so memory stays flat in the row count.

A file is written under a `.partial` name and renamed when complete: a reader never sees a
half-written dataset under the final name, and an interrupted write leaves a valid (closed)
partial file behind for inspection instead of nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROWS_PER_GROUP = 64  # rows carry encoded images, so small groups keep a batch to a few MB


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


class StreamingParquetWriter:
    """Append dict rows with a fixed schema; call as a context manager."""

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP):
        self.path = Path(path)
        self.schema = schema
        self.rows_per_group = rows_per_group
        self.rows_written = 0
        self._pending: list[dict[str, Any]] = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(partial_path(self.path), schema)

    def write(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        if len(self._pending) >= self.rows_per_group:
            self._flush()

    def write_all(self, rows: Iterable[dict[str, Any]]) -> int:
        for row in rows:
            self.write(row)
        return self.rows_written + len(self._pending)

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_pylist(self._pending, schema=self.schema))
            self.rows_written += len(self._pending)
            self._pending = []

    def close(self, complete: bool = True) -> None:
        """Flush and close; only a complete file is renamed to its final name."""
        if complete:
            self._flush()
        self._writer.close()
        if complete:
            os.replace(partial_path(self.path), self.path)

    def __enter__(self) -> StreamingParquetWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._flush()
            self.close(complete=False)


def write_rows(path: str | os.PathLike[str], schema: pa.Schema, rows: Iterable[dict[str, Any]]) -> int:
    """Write `rows` to `path` streaming; returns the number of rows written."""
    with StreamingParquetWriter(path, schema) as writer:
        writer.write_all(rows)
    return writer.rows_written


def iter_rows(path: str | os.PathLike[str], columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Yield rows of a parquet file a small batch at a time."""
    file = pq.ParquetFile(path)
    for batch in file.iter_batches(batch_size=ROWS_PER_GROUP, columns=columns):
        yield from batch.to_pylist()
