"""Read benchmark rows from the file types the public releases use: JSON, JSONL and parquet.

The loaders care about fields, not containers: MathVista's GitHub JSON is a dict keyed by problem
id, MathVerse's is a list, MM-Math ships JSONL and the HF mirrors ship parquet. This module hides
that and reports malformed input by file and row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vision_r1.evaluation.items import BenchmarkFormatError

RECORD_SUFFIXES = (".parquet", ".jsonl", ".json")


def read_records(path: Path) -> list[dict[str, Any]]:
    """All rows of `path` as dicts, in file order."""
    if not path.is_file():
        raise BenchmarkFormatError(f"{path}: file not found")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return _read_jsonl(path)
    if path.suffix == ".json":
        return _read_json(path)
    raise BenchmarkFormatError(
        f"{path}: unsupported file type (expected one of {', '.join(RECORD_SUFFIXES)})"
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [row for _, row in iter_jsonl(path)]


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line, streamed; a bad line is named."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise BenchmarkFormatError(
                    f"{path}: line {number} is not valid JSON ({error.msg})"
                ) from error
            if not isinstance(row, dict):
                raise BenchmarkFormatError(f"{path}: line {number} is not a JSON object")
            yield number, row


def _read_json(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise BenchmarkFormatError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from error
    if isinstance(data, dict):
        # MathVista's testmini.json: {"1": {...}, "2": {...}}; the key is the problem id.
        rows = [{"_key": key, **value} for key, value in data.items() if isinstance(value, dict)]
        if len(rows) != len(data):
            raise BenchmarkFormatError(f"{path}: a JSON object of rows must map ids to objects")
        return rows
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        return data
    raise BenchmarkFormatError(f"{path}: expected a list of objects or an object of objects")


def find_file(root: Path, names: tuple[str, ...], what: str) -> Path:
    """`root` itself when it is a file, else the first of `names` (glob patterns) inside it."""
    if root.is_file():
        return root
    if not root.is_dir():
        raise BenchmarkFormatError(f"{what}: {root} does not exist")
    found = find_optional(root, names)
    if found is None:
        raise BenchmarkFormatError(f"{what}: none of {', '.join(names)} found in {root}")
    return found


def find_optional(root: Path, names: tuple[str, ...]) -> Path | None:
    """The first of `names` (glob patterns, in order of preference) that is a file under `root`."""
    for name in names:
        for candidate in sorted(root.glob(name)):
            if candidate.is_file():
                return candidate
    return None


def find_layout(root: Path, layouts: dict[str, tuple[str, ...]], what: str) -> tuple[str, Path]:
    """`(layout name, file)` of the first layout with a file under `root`; `root` may be the file.

    Releases of one benchmark differ in file names and folders (HF parquet, HF JSON, a GitHub
    clone, older snapshots); an unknown one is an error that lists every pattern looked for.
    """
    if root.is_file():
        return "file", root
    if not root.is_dir():
        raise BenchmarkFormatError(f"{what}: {root} does not exist")
    for name, patterns in layouts.items():
        found = find_optional(root, patterns)
        if found is not None:
            return name, found
    looked_for = "; ".join(f"{name}: {' or '.join(patterns)}" for name, patterns in layouts.items())
    raise BenchmarkFormatError(f"{what}: no known release layout in {root} (looked for {looked_for})")


def required(row: dict[str, Any], name: str, where: str) -> Any:
    """`row[name]`, or a clear error naming the file/row and the missing field."""
    value = row.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BenchmarkFormatError(f"{where}: field '{name}' is missing or empty")
    return value


def as_labels(value: Any) -> list[str]:
    """A category value as a list of labels: MathVista skills are lists, most others plain strings."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    return [text] if text else []
