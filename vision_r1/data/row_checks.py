"""Per-row rules for the three files we write, applied by `vision-r1 data check` before verl loads them.

These catch what verl would only report as an assertion deep in a worker (or not at all): missing
or undecodable images, `<image>` tags that do not match the images, empty questions, missing
answers, boxes outside the image.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from vision_r1.data.example import Example, RowError, validate_example
from vision_r1.data.parquet_io import iter_rows
from vision_r1.data.prompts import IMAGE_TAG
from vision_r1.data.rl_format import example_from_rl_row
from vision_r1.data.sft_format import has_think_answer_format, validate_conversation

KINDS = ("rl", "sft", "coldstart")


@dataclass(frozen=True)
class BadRow:
    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}: field {self.field!r}: {self.reason}"


def file_kind(path: str | Path) -> str:
    """rl, sft or coldstart, from the columns of the parquet file."""
    columns = set(pq.read_schema(path).names)
    if {"prompt", "reward_model"} <= columns:
        return "rl"
    if "messages" in columns:
        return "sft"
    if {"question", "answer", "images"} <= columns:
        return "coldstart"
    raise ValueError(f"{path}: not an RL, SFT or cold-start input file (columns: {sorted(columns)})")


def check_rl_row(row: dict[str, Any]) -> Example:
    """Prompt tags across all turns must match the images; the example itself must validate."""
    prompt = row.get("prompt") or []
    if not prompt:
        raise RowError("prompt", "no messages")
    images = row.get("images") or []
    tags = sum(str(message.get("content") or "").count(IMAGE_TAG) for message in prompt)
    if tags != len(images):
        raise RowError("prompt", f"{tags} <image> tag(s) but {len(images)} image(s)")
    if not (row.get("extra_info") or {}).get("reward"):
        raise RowError("extra_info.reward", "missing reward kind")
    return validate_example(example_from_rl_row(row))


def check_sft_row(row: dict[str, Any]) -> bool:
    """Validates the conversation; returns whether every assistant turn has the think/answer format."""
    messages = row.get("messages") or []
    validate_conversation(messages, [image.get("bytes") or b"" for image in row.get("images") or []])
    return all(has_think_answer_format(m["content"]) for m in messages if m["role"] == "assistant")


def coldstart_example(row: dict[str, Any]) -> Example:
    """A cold-start input row as an Example (answer-matching reward), validated."""
    return validate_example(
        Example(
            id=str(row.get("id") or ""),
            data_source=str(row.get("data_source") or ""),
            images=[image.get("bytes") or b"" for image in row.get("images") or []],
            question=str(row.get("question") or ""),
            answer=str(row.get("answer") or ""),
            reward="math",
            choices=row.get("choices"),
        )
    )


def iter_checked(
    path: str | Path, kind: str, limit: int | None = None
) -> Iterator[tuple[int, int, Any, BadRow | None]]:
    """(row, image count, result, bad row or None) per row; result is an Example (rl/coldstart) or
    the think/answer format flag (sft)."""
    checker = {"rl": check_rl_row, "sft": check_sft_row, "coldstart": coldstart_example}[kind]
    for index, row in enumerate(iter_rows(path)):
        if limit is not None and index >= limit:
            return
        image_count = len(row.get("images") or [])
        try:
            yield index, image_count, checker(row), None
        except RowError as error:
            yield index, image_count, None, BadRow(str(path), index, error.field, error.reason)
