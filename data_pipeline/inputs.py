"""Read the cold-start input table (the shared contract), checking it before any request is sent.

The whole `id` column is checked first (present, non-empty, unique), then each row as it streams by;
every error names the file, the row number and the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from data_pipeline.config import SyntheticSpec
from data_pipeline.steps import Sample
from vision_r1.data.parquet_io import iter_rows

REQUIRED_COLUMNS = ("id", "images", "question", "answer", "choices", "data_source")


class InputError(ValueError):
    pass


def synthetic_input(spec: SyntheticSpec, output_dir: Path) -> Path:
    """The cold-start input table of `vision-r1 data synth` (math rows), written once per (n, seed)."""
    from vision_r1.data.synth.generate import COLDSTART_INPUT, MATH_TASKS, write_synth_dataset

    folder = output_dir / f"synth-n{spec.n}-seed{spec.seed}"
    path = folder / COLDSTART_INPUT
    if not path.is_file():
        write_synth_dataset(folder, n=spec.n, seed=spec.seed, tasks=list(MATH_TASKS))
    return path


def count_and_check_ids(path: Path, limit: int | None) -> int:
    """Row count (after `limit`); raises InputError on missing columns or bad/duplicate ids."""
    if not path.is_file():
        raise InputError(f"{path}: cold-start input table not found")
    try:
        schema = pq.read_schema(path)
    except Exception as error:  # pyarrow raises several types for non-parquet files
        raise InputError(f"{path}: not a readable parquet file ({error})") from error
    missing = [name for name in REQUIRED_COLUMNS if name not in schema.names]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {missing}; the cold-start input table needs {list(REQUIRED_COLUMNS)}"
        )
    ids = pq.read_table(path, columns=["id"]).column("id").to_pylist()
    if limit is not None:
        ids = ids[:limit]
    seen: dict[str, int] = {}
    for row, sample_id in enumerate(ids):
        if not isinstance(sample_id, str) or not sample_id:
            raise InputError(f"{path}: row {row}: field 'id': must be a non-empty string, got {sample_id!r}")
        if sample_id in seen:
            raise InputError(f"{path}: row {row}: field 'id': {sample_id!r} repeats row {seen[sample_id]}")
        seen[sample_id] = row
    return len(ids)


def _sample(path: Path, row: int, record: dict[str, Any]) -> Sample:
    def fail(field: str, problem: str) -> InputError:
        return InputError(f"{path}: row {row}: field {field!r}: {problem}")

    for field in ("question", "answer"):
        if not isinstance(record[field], str) or not record[field].strip():
            raise fail(field, "must be a non-empty string")
    images = record["images"]
    if not images:
        raise fail("images", "no image: modality bridging needs at least one")
    if any(not isinstance(image, dict) or not image.get("bytes") for image in images):
        raise fail("images", 'every image must be {"bytes": <encoded image>}')
    choices = record["choices"]
    if choices is not None and (
        not isinstance(choices, list) or not all(isinstance(c, str) for c in choices)
    ):
        raise fail("choices", "must be a list of strings or null")
    return Sample(
        id=record["id"],
        images=tuple(image["bytes"] for image in images),
        question=record["question"],
        answer=record["answer"].strip(),
        choices=choices,
        data_source=record["data_source"] or "",
    )


def iter_samples(path: Path, limit: int | None) -> Iterator[Sample]:
    """Samples in table order, a small batch in memory at a time."""
    for row, record in enumerate(iter_rows(path, columns=list(REQUIRED_COLUMNS))):
        if limit is not None and row >= limit:
            return
        yield _sample(path, row, record)
