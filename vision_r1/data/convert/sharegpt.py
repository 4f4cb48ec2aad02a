"""ShareGPT-style conversations -> SFT set. Both schemas of the released Vision-R1 cold-start data:
`{id, image, conversations: [{from: human|gpt, value}]}` and `{images, conversations: [{role, content}]}`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vision_r1.data.convert.json_stream import iter_json_records
from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sources import image_list
from vision_r1.data.example import RowError
from vision_r1.data.prompts import IMAGE_TAG, with_image_tags
from vision_r1.data.sft_format import has_think_answer_format, sft_row

ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


def conversation_messages(record: dict[str, Any]) -> list[dict[str, str]]:
    """Normalise either turn schema to `{role, content}` with our role names."""
    turns = record.get("conversations") or record.get("messages")
    if not isinstance(turns, list) or not turns:
        raise RowError("conversations", "missing or empty")
    messages = []
    for position, turn in enumerate(turns):
        speaker = turn.get("from", turn.get("role"))
        text = turn.get("value", turn.get("content"))
        if speaker not in ROLES or not isinstance(text, str):
            raise RowError(
                "conversations", f"turn {position}: unknown speaker {speaker!r} or non-text content"
            )
        messages.append({"role": ROLES[speaker], "content": text})
    return messages


def record_images(record: dict[str, Any]) -> Any:
    return record.get("images") if record.get("images") is not None else record.get("image")


def _sft(record: Any, roots: list[Path], require_format: bool) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise RowError("row", f"expected an object, got {type(record).__name__}")
    images = image_list(record_images(record), roots, "image")
    messages = conversation_messages(record)
    if not any(IMAGE_TAG in m["content"] for m in messages if m["role"] == "user"):
        first_user = next((m for m in messages if m["role"] == "user"), None)
        if first_user is not None:
            first_user["content"] = with_image_tags(first_user["content"], len(images))
    if require_format:
        for position, message in enumerate(messages):
            if message["role"] == "assistant" and not has_think_answer_format(message["content"]):
                raise RowError(
                    "conversations",
                    f"turn {position}: assistant turn is not <think>...</think><answer>...</answer>",
                )
    return sft_row(messages, images)


def sharegpt_rows(
    path: str | Path, image_roots: list[Path], require_format: bool = False
) -> Iterator[Produced]:
    roots = [*image_roots, Path(path).parent]
    for row, record in iter_json_records(path):
        yield Produced(str(path), row, lambda r=record: _sft(r, roots, require_format))
