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
    `extra_info` also carries what a benchmark's official scorer needs (answer type, precision,
    every boxed answer of a reference solution).
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
    source: str = ""  # the file the item was read from, for per-file counts

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

    Benchmarks accept exactly the image forms the dataset converters accept, so this reads through
    the converters' reader (relative paths are tried under each of `base_dirs`: releases differ in
    whether the zip unpacks into `images/`). `where` names file/row/field in the error.
    """
    from vision_r1.data.convert.sources import image_bytes
    from vision_r1.data.example import RowError

    try:
        return image_bytes(value, list(base_dirs))
    except RowError as error:
        raise BenchmarkFormatError(f"{where}: {error.reason}") from None


def decode_image(data: bytes) -> Image.Image:
    """An RGB PIL image, decoded at generation time so loaded benchmarks stay cheap to hold."""
    image = Image.open(io.BytesIO(data))
    return image.convert("RGB")
