"""One evaluation question, whatever benchmark it came from.

Every loader turns its benchmark's own fields into this shape, so generation, judging and metrics
never need to know which benchmark they are looking at. Prompts use the same convention as the RL
parquet (`<image>` placeholders in user text, one per image), so an RL-format held-out set and a
public benchmark go through the very same prompt path.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

IMAGE_PLACEHOLDER = "<image>"


class BenchmarkFormatError(ValueError):
    """A benchmark file does not look like the documented layout (names file, row and field)."""


@dataclass(frozen=True)
class EvalItem:
    """A question with its images, ground truth and the categories it is reported under.

    `categories` maps a breakdown name (e.g. "task", "problem_version") to the labels this item counts
    towards; an item may carry several labels (MathVista skills). `reward` is the reward kind that
    judges it: math-like kinds go through answer extraction, box kinds through `compute_score`.
    """

    item_id: str
    messages: list[dict[str, str]]
    images: list[bytes]
    answer: str
    choices: list[str] | None = None
    categories: dict[str, list[str]] = field(default_factory=dict)
    reward: str = "math"
    data_source: str = "eval"
    extra_info: dict[str, Any] = field(default_factory=dict)

    @property
    def question(self) -> str:
        """The last user turn's text, as shown in the per-item results."""
        user_turns = [m["content"] for m in self.messages if m["role"] == "user"]
        return user_turns[-1] if user_turns else ""


def user_prompt(question: str, has_image: bool) -> list[dict[str, str]]:
    """A single user turn with the image placed first, as Qwen2.5-VL models are usually prompted."""
    content = f"{IMAGE_PLACEHOLDER}\n{question}" if has_image else question
    return [{"role": "user", "content": content}]


def image_bytes_from(value: Any, where: str, base_dirs: tuple[Path, ...] = ()) -> bytes:
    """Bytes of an image given as bytes, a `{"bytes": ..., "path": ...}` struct or a file path.

    Parquet exports of HF datasets store images as structs whose `bytes` may be empty when only the
    `path` is kept, so both are tried. Relative paths are tried under each of `base_dirs` in turn
    (releases differ in whether the zip unpacks into `images/`). `where` names file/row/field.
    """
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, dict):
        if value.get("bytes"):
            return bytes(value["bytes"])
        if value.get("path"):
            return image_bytes_from(value["path"], where, base_dirs)
        raise BenchmarkFormatError(f"{where}: image struct has neither 'bytes' nor 'path'")
    if isinstance(value, str) and value:
        path = Path(value)
        candidates = [path] if path.is_absolute() or not base_dirs else [base / path for base in base_dirs]
        for candidate in candidates:
            if candidate.is_file():
                return candidate.read_bytes()
        shown = ", ".join(str(c) for c in candidates)
        raise BenchmarkFormatError(f"{where}: image file not found (looked at {shown})")
    raise BenchmarkFormatError(
        f"{where}: expected image bytes, a {{bytes, path}} struct or a path, got {value!r:.80}"
    )


def decode_image(data: bytes) -> Image.Image:
    """An RGB PIL image, decoded at generation time so loaded benchmarks stay cheap to hold."""
    image = Image.open(io.BytesIO(data))
    return image.convert("RGB")
