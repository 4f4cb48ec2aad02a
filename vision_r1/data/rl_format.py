"""The RL set: verl's RLHF parquet format, as GRPO stages and evaluation read it (shared contract).

Columns: `data_source`, `prompt` (chat messages, one `<image>` tag per image in the user text),
`images` (list of `{"bytes": ...}`), `ability`, `reward_model` (`{"style": "rule", "ground_truth"}`),
`extra_info` (index, id, question, answer, reward kind, choices, image size, and for box rows the
coordinate space, the model-input size, the source image id and the category the row asks for). The schema is fixed so that every row group of a
streamed file agrees and absent optional fields read back as null.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from vision_r1.data.example import Example
from vision_r1.data.images import image_record
from vision_r1.data.parquet_io import write_rows
from vision_r1.data.prompts import TEMPLATES, PromptTemplate, with_image_tags

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
IMAGE = pa.struct([("bytes", pa.binary())])
SIZE = pa.list_(pa.int64())

RL_EXTRA_INFO = pa.struct(
    [
        ("index", pa.int64()),
        ("id", pa.string()),
        ("question", pa.string()),
        ("answer", pa.string()),
        ("reward", pa.string()),
        ("choices", pa.list_(pa.string())),
        ("image_size", SIZE),
        ("coordinate_space", pa.string()),
        ("model_input_size", SIZE),
        ("image_id", pa.string()),
        ("category", pa.string()),
    ]
)

RL_SCHEMA = pa.schema(
    [
        ("data_source", pa.string()),
        ("prompt", pa.list_(MESSAGE)),
        ("images", pa.list_(IMAGE)),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        ("extra_info", RL_EXTRA_INFO),
    ]
)


def rl_prompt(question: str, image_count: int, template: PromptTemplate) -> list[dict[str, str]]:
    """Chat messages for one RL row: optional system turn, then the user turn with image tags."""
    messages = [{"role": "system", "content": template.system}] if template.system else []
    messages.append({"role": "user", "content": template.render_user(with_image_tags(question, image_count))})
    return messages


def rl_row(example: Example, index: int, template: PromptTemplate = TEMPLATES["vision_r1"]) -> dict[str, Any]:
    """One RL parquet row from a validated example (image sizes known)."""
    return {
        "data_source": example.data_source,
        "prompt": rl_prompt(example.question, len(example.images), template),
        "images": [image_record(data) for data in example.images],
        "ability": example.ability,
        "reward_model": {"style": "rule", "ground_truth": example.answer},
        "extra_info": {
            "index": index,
            "id": example.id,
            "question": example.question,
            "answer": example.answer,
            "reward": example.reward,
            "choices": example.choices,
            "image_size": list(example.image_size) if example.image_size else None,
            "coordinate_space": example.coordinate_space,
            "model_input_size": list(example.model_input_size) if example.model_input_size else None,
            "image_id": example.image_id,
            "category": example.category,
        },
    }


def write_rl_parquet(
    examples: Iterable[Example],
    path: str | os.PathLike[str],
    template: PromptTemplate = TEMPLATES["vision_r1"],
) -> int:
    """Stream validated examples to an RL parquet file; rows are indexed in order. Returns the row count."""
    return write_rows(path, RL_SCHEMA, (rl_row(ex, i, template) for i, ex in enumerate(examples)))


def example_from_rl_row(row: dict[str, Any]) -> Example:
    """Read an RL row back (for validation); the question is the one kept in `extra_info`."""
    extra = row.get("extra_info") or {}
    user_turns = [m["content"] for m in row.get("prompt") or [] if m.get("role") == "user"]
    question = extra.get("question") or (user_turns[0] if user_turns else "")
    model_input_size = extra.get("model_input_size")
    return Example(
        id=str(extra.get("id") or extra.get("index", "")),
        data_source=row.get("data_source") or "",
        images=[image.get("bytes") or b"" for image in row.get("images") or []],
        question=question,
        answer=str((row.get("reward_model") or {}).get("ground_truth") or ""),
        reward=extra.get("reward") or "",
        choices=extra.get("choices"),
        coordinate_space=extra.get("coordinate_space"),
        model_input_size=tuple(model_input_size) if model_input_size else None,
        image_id=extra.get("image_id"),
        category=extra.get("category"),
    )
