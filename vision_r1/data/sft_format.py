"""The SFT set: verl's multi-turn SFT parquet (`messages` + `images`), as the cold-start SFT stage reads it.

User turns carry one `<image>` tag per image (consumed in order across the conversation); assistant
turns are `<think>...</think><answer>...</answer>`. The cold-start pipeline writes its set through
`write_sft_parquet`, converters of ShareGPT data through the same function, so the format has one
definition.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from vision_r1.data.example import RowError, check_image_tags, decode_all
from vision_r1.data.images import image_record
from vision_r1.data.parquet_io import write_rows
from vision_r1.data.prompts import IMAGE_TAG, with_image_tags
from vision_r1.data.rl_format import IMAGE, MESSAGE

SFT_SCHEMA = pa.schema([("messages", pa.list_(MESSAGE)), ("images", pa.list_(IMAGE))])

THINK_ANSWER = re.compile(r"^\s*<think>.*?</think>\s*<answer>.*?</answer>\s*$", re.DOTALL)
ROLES = ("system", "user", "assistant")


def assistant_content(thinking: str, answer: str) -> str:
    """The assistant turn the Vision-R1 SFT data uses."""
    return f"<think>\n{thinking.strip()}\n</think><answer>{answer.strip()}</answer>"


def has_think_answer_format(content: str) -> bool:
    return bool(THINK_ANSWER.match(content))


def validate_conversation(messages: list[dict[str, str]], images: list[bytes]) -> None:
    """Roles alternate user/assistant after an optional system turn, end with the assistant, and the
    `<image>` tags of the user turns match the images. Raises RowError naming the field."""
    if not messages:
        raise RowError("messages", "empty conversation")
    turns = messages[1:] if messages[0].get("role") == "system" else messages
    for position, message in enumerate(turns):
        expected = "user" if position % 2 == 0 else "assistant"
        if message.get("role") != expected:
            raise RowError(
                "messages", f"turn {position}: role {message.get('role')!r}, expected {expected!r}"
            )
        if not str(message.get("content") or "").strip():
            raise RowError("messages", f"turn {position} ({expected}) is empty")
    if not turns or turns[-1]["role"] != "assistant":
        raise RowError("messages", "conversation does not end with an assistant turn")
    tags = sum(m["content"].count(IMAGE_TAG) for m in messages if m["role"] == "user")
    if tags != len(images):
        raise RowError("messages", f"{tags} <image> tag(s) but {len(images)} image(s)")
    if any(IMAGE_TAG in m["content"] for m in messages if m["role"] != "user"):
        raise RowError("messages", "<image> tag outside a user turn")
    decode_all(images)


def sft_row(messages: list[dict[str, str]], images: list[bytes]) -> dict[str, Any]:
    """One SFT parquet row; validates first so a bad conversation never reaches the file."""
    clean = [{"role": m["role"], "content": m["content"]} for m in messages]
    validate_conversation(clean, images)
    return {"messages": clean, "images": [image_record(data) for data in images]}


def single_turn_sft_row(question: str, images: list[bytes], thinking: str, answer: str) -> dict[str, Any]:
    """The common case: one user question over its images, one reasoned answer."""
    check_image_tags(question, len(images), "question")
    messages = [
        {"role": "user", "content": with_image_tags(question, len(images))},
        {"role": "assistant", "content": assistant_content(thinking, answer)},
    ]
    return sft_row(messages, images)


def write_sft_parquet(rows: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> int:
    """Stream rows built by `sft_row` / `single_turn_sft_row` to an SFT parquet file."""
    return write_rows(path, SFT_SCHEMA, rows)
