"""One training example in memory, between a source format and the files we write, with its checks.

Every converter and the synthetic generator produce `Example`s; the RL writer and the cold-start
input writer consume them. Validation lives here so converters and `vision-r1 data check` reject
the same rows for the same reasons.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from vision_r1.data.images import ImageError, decoded_size
from vision_r1.data.prompts import COORDINATE_SPACES, IMAGE_TAG

REWARD_KINDS = (
    "hfrrf", "r1v", "math", "iou", "giou", "detection", "map", "map50", "map_length", "classification",
)  # fmt: skip
SINGLE_BOX_REWARDS = frozenset({"iou", "giou"})
BOX_LIST_REWARDS = frozenset({"detection", "map", "map50", "map_length"})
ABILITY_BY_REWARD = {
    "hfrrf": "math",
    "r1v": "math",
    "math": "math",
    "iou": "grounding",
    "giou": "grounding",
    "detection": "detection",
    "map": "detection",
    "map50": "detection",
    "map_length": "detection",
    "classification": "classification",
}


class RowError(ValueError):
    """A bad row: `field` is the column at fault, `reason` what is wrong with it."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"field {field!r}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Example:
    """Source-independent example. `question` is exactly what the model is asked (options included)."""

    id: str
    data_source: str
    images: list[bytes]
    question: str
    answer: str
    reward: str
    choices: list[str] | None = None
    coordinate_space: str | None = None
    model_input_size: tuple[int, int] | None = None
    # Dataset-level evaluation groups rows by image (COCO-style detection) and by the category a row asks for.
    image_id: str | None = None
    category: str | None = None
    # (width, height) per image, filled by `decode_all` only: a size here means the image decodes.
    image_sizes: list[tuple[int, int]] = field(default_factory=list)

    @property
    def ability(self) -> str:
        return ABILITY_BY_REWARD[self.reward]

    @property
    def image_size(self) -> tuple[int, int] | None:
        return self.image_sizes[0] if self.image_sizes else None


def check_image_tags(text: str, image_count: int, field_name: str) -> None:
    """Text either carries no `<image>` tags (we add them) or exactly one per image."""
    tags = text.count(IMAGE_TAG)
    if tags and tags != image_count:
        raise RowError(field_name, f"{tags} <image> tag(s) but {image_count} image(s)")


def decode_all(images: list[bytes], field_name: str = "images") -> list[tuple[int, int]]:
    sizes = []
    for position, data in enumerate(images):
        try:
            sizes.append(decoded_size(data, source=f"image {position}"))
        except ImageError as error:
            raise RowError(field_name, str(error)) from error
    return sizes


def parse_boxes(answer: str, reward: str) -> list[list[float]]:
    """The box(es) of a box answer: one `[x1, y1, x2, y2]` for REC, a list of them for detection.

    Detection items may also be `{"bbox_2d": [x1, y1, x2, y2], "label": "cat"}` (labelled, for `map`)."""
    try:
        value = json.loads(answer)
    except json.JSONDecodeError as error:
        raise RowError("answer", f"box answer is not JSON: {answer[:80]!r}") from error
    boxes = [value] if reward in SINGLE_BOX_REWARDS else value
    if not isinstance(boxes, list):
        raise RowError("answer", f"expected a list of boxes, got {answer[:80]!r}")
    found = []
    for item in boxes:
        box = item.get("bbox_2d") if isinstance(item, dict) and reward not in SINGLE_BOX_REWARDS else item
        valid = isinstance(box, list) and len(box) == 4
        if not valid or not all(isinstance(v, int | float) and math.isfinite(v) for v in box):
            raise RowError("answer", f"a box must be 4 finite numbers [x1, y1, x2, y2], got {item!r}")
        if isinstance(item, dict) and not str(item.get("label") or "").strip():
            raise RowError("answer", f"a labelled box needs a non-empty 'label', got {item!r}")
        found.append(box)
    return found


def check_boxes(example: Example) -> None:
    """Ground-truth boxes live in original-image pixels, whatever space the model is asked to answer in."""
    if example.coordinate_space not in COORDINATE_SPACES:
        raise RowError(
            "extra_info.coordinate_space", f"{example.coordinate_space!r} is not one of {COORDINATE_SPACES}"
        )
    if example.coordinate_space == "model_input" and not example.model_input_size:
        raise RowError("extra_info.model_input_size", "required when coordinate_space is model_input")
    width, height = example.image_sizes[0]
    for box in parse_boxes(example.answer, example.reward):
        x1, y1, x2, y2 = box
        if not (x1 < x2 and y1 < y2):
            raise RowError("answer", f"box {box} is empty or inverted (need x1 < x2 and y1 < y2)")
        if not (x1 >= 0 and x2 <= width and y1 >= 0 and y2 <= height):
            raise RowError("answer", f"box {box} outside the {width}x{height} image (pixels)")


def validate_example(example: Example) -> Example:
    """Check every field a trainer relies on; fills `image_sizes`. Raises RowError on the first fault."""
    if example.reward not in REWARD_KINDS:
        raise RowError(
            "extra_info.reward", f"unknown reward kind {example.reward!r}; expected one of {REWARD_KINDS}"
        )
    if not example.images:
        raise RowError("images", "no image")
    if len(example.image_sizes) != len(example.images):  # sizes set by decode_all already mean "decodes"
        example.image_sizes = decode_all(example.images)
    if not example.question.replace(IMAGE_TAG, "").strip():
        raise RowError("question", "empty question")
    check_image_tags(example.question, len(example.images), "question")
    if not str(example.answer).strip():
        raise RowError("answer", "missing answer")
    if example.choices is not None and not example.choices:
        raise RowError("choices", "empty list of choices")
    if example.reward in SINGLE_BOX_REWARDS | BOX_LIST_REWARDS:
        check_boxes(example)
    return example
