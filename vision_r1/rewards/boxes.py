"""Boxes: reading them from answers and ground truths, coordinate spaces, IoU and GIoU.

A box is `(x1, y1, x2, y2)`. A box with a non-finite coordinate or with x2 <= x1 or y2 <= y1 is
invalid: it overlaps nothing (IoU 0, GIoU -1) instead of having a negative area.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from vision_r1.rewards.jsonish import loads_loose

Box = tuple[float, float, float, float]

_NUM = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_BRACKET_BOX = re.compile(rf"\[\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*\]")
_POINT_PAIR_BOX = re.compile(
    rf"\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*(?:,|to|-|and)?\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)", re.IGNORECASE
)
BOX_KEYS = ("bbox_2d", "bbox", "box", "position", "bounding_box")
QWEN_PATCH_PIXELS = 14  # Qwen2.5-VL: one image_grid_thw cell is 14 x 14 pixels of the model input
COORDINATE_SPACES = ("pixel", "model_input", "norm1000")


def is_valid(box: Box) -> bool:
    x1, y1, x2, y2 = box
    return all(math.isfinite(value) for value in box) and x2 > x1 and y2 > y1


def intersection_and_union(a: Box, b: Box) -> tuple[float, float]:
    """Areas of the intersection and the union; an invalid box covers nothing (union: the other box)."""
    areas = [(box[2] - box[0]) * (box[3] - box[1]) if is_valid(box) else 0.0 for box in (a, b)]
    if not (is_valid(a) and is_valid(b)):
        return 0.0, sum(areas)
    inter_w = min(a[2], b[2]) - max(a[0], b[0])
    inter_h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, inter_w) * max(0.0, inter_h)
    return inter, areas[0] + areas[1] - inter


def iou(a: Box, b: Box) -> float:
    """Intersection over union in [0, 1]; 0 when either box is invalid."""
    if not (is_valid(a) and is_valid(b)):
        return 0.0
    inter, union = intersection_and_union(a, b)
    value = inter / union if union > 0 else 0.0
    return min(1.0, max(0.0, value)) if math.isfinite(value) else 0.0


def giou(a: Box, b: Box) -> float:
    """Generalized IoU in [-1, 1]: IoU minus the share of the enclosing box neither covers; -1 if invalid."""
    if not (is_valid(a) and is_valid(b)):
        return -1.0
    inter_w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    hull = (max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1]))
    if not (union > 0 and hull > 0):
        return -1.0
    value = inter / union - (hull - union) / hull
    return min(1.0, max(-1.0, value)) if math.isfinite(value) else -1.0


def first_box(text: str) -> Box | None:
    """The first `[x1, y1, x2, y2]` or `(x1, y1), (x2, y2)` in the text, valid or not."""
    text = unicodedata.normalize("NFKC", text)
    matches = [match for match in (_BRACKET_BOX.search(text), _POINT_PAIR_BOX.search(text)) if match]
    if not matches:
        return None
    first = min(matches, key=lambda match: match.start())
    x1, y1, x2, y2 = (float(group) for group in first.groups())
    return (x1, y1, x2, y2)


def as_box(value: Any) -> Box | None:
    """A box from `[x1, y1, x2, y2]` or a dict holding one under a usual key; None otherwise."""
    if isinstance(value, Mapping):
        keyed = {str(key).lower(): item for key, item in value.items()}
        value = next((keyed[key] for key in BOX_KEYS if key in keyed), None)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    if not all(isinstance(item, int | float) and not isinstance(item, bool) for item in value):
        return None
    x1, y1, x2, y2 = (float(item) for item in value)
    return (x1, y1, x2, y2)


def truth_objects(ground_truth: Any) -> list[tuple[Box, str | None]]:
    """Ground-truth boxes with their labels (None when unlabelled).

    Accepts a box, a list of boxes, dicts such as `{"bbox_2d": [...], "label": "cat"}`, a list of
    those, or any of these as a JSON string; `[]` and "No Objects" mean an image without objects.
    A ground truth that is none of these is a data error and raises, naming the value.
    """
    value = ground_truth
    if isinstance(value, str):
        if value.strip().lower().replace(" ", "") in ("noobjects", "none", ""):
            return []
        value = loads_loose(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    single = as_box(value)
    items = [value] if single is not None or isinstance(value, Mapping) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"ground truth {ground_truth!r} is not a box or a list of boxes")
    objects = []
    for item in items:
        box = as_box(item)
        if box is None or not is_valid(box):
            raise ValueError(f"ground truth {ground_truth!r} holds an invalid box: {item!r}")
        label = item.get("label") if isinstance(item, Mapping) else None
        objects.append((box, None if label is None else str(label)))
    return objects


def _size(extra_info: Mapping[str, Any], key: str) -> tuple[float, float] | None:
    value = extra_info.get(key)
    if value is None:
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not (isinstance(value, list | tuple) and len(value) == 2):
        raise ValueError(f"extra_info[{key!r}] must be [width, height], got {value!r}")
    width, height = float(value[0]), float(value[1])
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise ValueError(f"extra_info[{key!r}] must be positive, got {value!r}")
    return width, height


def _model_input_size(extra_info: Mapping[str, Any]) -> tuple[float, float] | None:
    size = _size(extra_info, "model_input_size")
    grid = extra_info.get("image_grid_thw")
    if size is None and grid is not None:
        _, grid_h, grid_w = (grid.tolist() if hasattr(grid, "tolist") else list(grid))[-3:]
        size = (float(grid_w) * QWEN_PATCH_PIXELS, float(grid_h) * QWEN_PATCH_PIXELS)
    return size


def pixel_scale(extra_info: Mapping[str, Any]) -> tuple[float, float]:
    """(sx, sy) taking predicted coordinates to original-image pixels, where ground truths live.

    `extra_info["coordinate_space"]` says where the model's coordinates live: `pixel` (original
    image, the default), `model_input` (the processor-resized image, `model_input_size` or
    `image_grid_thw`), or `norm1000` (a 0-1000 grid over the image). The last two need `image_size`.
    """
    space = str(extra_info.get("coordinate_space") or "pixel").strip().lower()
    if space == "pixel":
        return 1.0, 1.0
    if space not in COORDINATE_SPACES:
        raise ValueError(f"unknown coordinate_space {space!r}; known: {list(COORDINATE_SPACES)}")
    image = _size(extra_info, "image_size")
    if image is None:
        raise ValueError(f"coordinate_space {space!r} needs extra_info['image_size'] ([width, height])")
    if space == "norm1000":
        return image[0] / 1000.0, image[1] / 1000.0
    model_input = _model_input_size(extra_info)
    if model_input is None:
        raise ValueError(
            "coordinate_space 'model_input' needs extra_info['model_input_size'] or 'image_grid_thw'"
        )
    return image[0] / model_input[0], image[1] / model_input[1]


def scaled(box: Box, scale: tuple[float, float]) -> Box:
    sx, sy = scale
    return (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
