"""Visual-RFT JSON: `{image_path, problem, solution}` for classification, detection and grounding.

Classification solutions are a label (often inside `<answer>` tags). Detection solutions list
boxes (`[{'Position': [x1, y1, x2, y2], 'Confidence': c}, ...]`); reasoning-grounding (LISA)
solutions are one box `(x1, y1), (x2, y2)` (`--task grounding`, reward `giou`). Visual-RFT writes
boxes in Qwen2-VL's 0-1000 frame by default (`source_space`); truths are stored in image pixels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vision_r1.data.convert.boxes import (
    BoxTarget,
    box_example,
    boxes_in_text,
    norm1000_to_pixels,
    strip_answer_tags,
)
from vision_r1.data.convert.json_stream import iter_json_records
from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sources import image_list
from vision_r1.data.example import Example, RowError, decode_all
from vision_r1.rewards.boxes import first_box

TASKS = ("auto", "classification", "detection", "grounding")
NO_OBJECTS = "no objects"
# Visual-RFT's detection prompts name the category: "... belonging to the category 'cat' in the image".
_ASKED_CATEGORY = re.compile(r"category\s+['\"]([^'\"]+)['\"]", re.IGNORECASE)


def _is_detection(solution: str, task: str) -> bool:
    if task != "auto":
        return task == "detection"
    return bool(boxes_in_text(solution)) or solution.strip().lower() == NO_OBJECTS


def _example(
    record: Any, name: str, roots: list[Path], task: str, source_space: str, target: BoxTarget
) -> Example:
    if not isinstance(record, dict):
        raise RowError("row", f"expected an object, got {type(record).__name__}")
    images = image_list(record.get("image_path", record.get("image")), roots, "image_path")
    question = str(record.get("problem") or "")
    solution = strip_answer_tags(str(record.get("solution") or ""))
    identifier = str(record.get("id", name))
    if task == "grounding":
        box = first_box(solution)
        boxes = [] if box is None else [list(box)]
    elif not _is_detection(solution, task):
        return Example(identifier, "visual_rft/classification", images, question, solution, "classification")
    else:
        boxes = boxes_in_text(solution)
    if source_space == "norm1000":
        size = decode_all(images[:1])[0]
        boxes = [norm1000_to_pixels(box, size) for box in boxes]
    grounding = task == "grounding"
    return box_example(
        id=identifier,
        data_source="lisa" if grounding else "visual_rft/detection",
        images=images,
        question=question,
        pixel_boxes=boxes,
        reward="giou" if grounding else "detection",
        target=target,
        single=grounding,
        image_id=str(record.get("image_path", record.get("image"))),
        category=category.group(1) if (category := _ASKED_CATEGORY.search(question)) else None,
    )


def visual_rft_rows(
    path: str | Path,
    image_roots: list[Path],
    task: str = "auto",
    source_space: str = "norm1000",
    target: BoxTarget = BoxTarget(),
) -> Iterator[Produced]:
    if task not in TASKS:
        raise ValueError(f"unknown Visual-RFT task {task!r}; expected one of {TASKS}")
    if source_space not in ("norm1000", "pixel"):
        raise ValueError(f"source boxes must be norm1000 or pixel, got {source_space!r}")
    roots = [*image_roots, Path(path).parent]
    for row, record in iter_json_records(path):
        name = f"{Path(path).stem}-{row}"
        yield Produced(
            str(path), row, lambda r=record, n=name: _example(r, n, roots, task, source_space, target)
        )
