"""The cold-start INPUT table: (image, question, answer) triples the modality-bridging pipeline consumes.

Columns: `id`, `images` (list of `{"bytes": ...}`), `question` (exactly as the model should read it,
options included), `answer` (ground truth; an option letter for multiple choice), `choices`
(option texts in letter order, or null), `data_source`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from vision_r1.data.example import Example
from vision_r1.data.images import image_record
from vision_r1.data.parquet_io import iter_rows, write_rows
from vision_r1.data.rl_format import IMAGE

COLDSTART_INPUT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("images", pa.list_(IMAGE)),
        ("question", pa.string()),
        ("answer", pa.string()),
        ("choices", pa.list_(pa.string())),
        ("data_source", pa.string()),
    ]
)


def coldstart_input_row(example: Example) -> dict[str, Any]:
    return {
        "id": example.id,
        "images": [image_record(data) for data in example.images],
        "question": example.question,
        "answer": example.answer,
        "choices": example.choices,
        "data_source": example.data_source,
    }


def write_coldstart_input(examples: Iterable[Example], path: str | os.PathLike[str]) -> int:
    """Stream validated examples to a cold-start input table; returns the row count."""
    return write_rows(path, COLDSTART_INPUT_SCHEMA, (coldstart_input_row(ex) for ex in examples))


def iter_coldstart_input(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Rows of a cold-start input table, a batch at a time; `images` stays as `{"bytes"}` records."""
    return iter_rows(path)
