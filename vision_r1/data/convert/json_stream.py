"""Read JSON-array and JSONL files one record at a time.

Released cold-start sets are single JSON arrays of hundreds of thousands of long records; loading
them whole costs many GB. This reader decodes one array element at a time from a sliding buffer,
so memory is bounded by the largest record, not the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 1 << 20
_DECODER = json.JSONDecoder()
_SEPARATORS = " \t\r\n,"


class JsonFileError(ValueError):
    """The file is not a JSON array / JSON lines file; the message names file and record."""


def _iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8") as handle:
        row = 0
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield row, json.loads(line)
            except json.JSONDecodeError as error:
                raise JsonFileError(f"{path}: line {line_number}: invalid JSON ({error.msg})") from error
            row += 1


def _iter_json_array(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8") as handle:
        buffer = handle.read(CHUNK).lstrip()
        if not buffer.startswith("["):
            raise JsonFileError(f"{path}: expected a JSON array of records (or use .jsonl for JSON lines)")
        buffer, position, row, exhausted = buffer[1:], 0, 0, False
        while True:
            while position < len(buffer) and buffer[position] in _SEPARATORS:
                position += 1
            if position < len(buffer) and buffer[position] == "]":
                return
            try:
                value, end = _DECODER.raw_decode(buffer, position)
            except json.JSONDecodeError as error:
                if exhausted:
                    raise JsonFileError(f"{path}: record {row}: invalid JSON ({error.msg})") from error
                more = handle.read(CHUNK)
                exhausted = not more
                buffer, position = buffer[position:] + more, 0
                continue
            yield row, value
            row += 1
            position = end
            if position > CHUNK:  # drop what was decoded so the buffer stays near one chunk
                buffer, position = buffer[position:], 0


def iter_json_records(path: str | os.PathLike[str]) -> Iterator[tuple[int, Any]]:
    """(row index, record) pairs from a `.jsonl` file or a `.json` array, streaming."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file}: no such file")
    return _iter_jsonl(file) if file.suffix == ".jsonl" else _iter_json_array(file)
