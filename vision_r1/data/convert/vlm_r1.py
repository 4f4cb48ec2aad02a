"""VLM-R1 JSONL: `{id, image | [images], conversations: [{from: human}, {from: gpt}], accu_reward_method?}`.

Several files and their image folders are joined with `:` (file i pairs with folder i, as VLM-R1's
`--data_file_paths` / `--image_folders`), and a file-level reward method list likewise. A row's
`accu_reward_method` wins over its file's method.

Open-vocabulary detection solutions (`od*`, `map`) are VLM-R1's ```json fenced list of
`{"bbox_2d": [x1, y1, x2, y2], "label": "cat"}` (or "None" for no objects); the labels are kept,
because VLM-R1 scores each category apart and a box with the wrong label earns nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vision_r1.data.convert.boxes import BoxTarget, box_example, boxes_in_text, strip_answer_tags
from vision_r1.data.convert.json_stream import iter_json_records
from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sharegpt import conversation_messages, record_images
from vision_r1.data.convert.sources import image_list
from vision_r1.data.example import Example, RowError
from vision_r1.rewards.boxes import as_box
from vision_r1.rewards.jsonish import loads_loose

# VLM-R1 methods judged by comparing the answer text (symbolic, choice letter, yes/no, exact).
ANSWER_METHODS = frozenset({"default", "math", "mcq", "yes_no", "all_match"})
BOX_METHODS = {"iou": "iou", "rec": "iou", "giou": "giou"}
# VLM-R1's detection methods: `od_ap` (and `map`) is COCO AP@[.5:.95] of the image, `od_ap50` AP@0.5,
# `odLength` AP@[.5:.95] times min(1, #truth / #predicted).
DETECTION_METHODS = {"od": "map", "od_ap": "map", "map": "map", "od_ap50": "map50", "odLength": "map_length"}
NO_OBJECTS = "none"


def reward_kind(method: str, answer_reward: str) -> str:
    """Our reward kind for a VLM-R1 accuracy method; `answer_reward` is used for the text-answer methods."""
    if method in ANSWER_METHODS:
        return answer_reward
    if method in BOX_METHODS:
        return BOX_METHODS[method]
    if method in DETECTION_METHODS:
        return DETECTION_METHODS[method]
    raise RowError("accu_reward_method", f"{method!r} has no rule-based vision-r1 reward kind")


def _example(
    record: Any,
    file: Path,
    row: int,
    folder: Path,
    method: str,
    answer_reward: str,
    target: BoxTarget,
    data_source: str,
) -> Example:
    if not isinstance(record, dict):
        raise RowError("row", f"expected an object, got {type(record).__name__}")
    messages = conversation_messages(record)
    question = next((m["content"] for m in messages if m["role"] == "user"), "")
    solution = strip_answer_tags(next((m["content"] for m in messages if m["role"] == "assistant"), ""))
    images = image_list(record_images(record), [folder, file.parent], "image")
    kind = reward_kind(str(record.get("accu_reward_method") or method), answer_reward)
    identifier = str(record.get("id", f"{file.stem}-{row}"))
    if kind in DETECTION_METHODS.values():
        boxes, labels = labelled_boxes(solution)
        return box_example(
            id=identifier,
            data_source=data_source,
            images=images,
            question=question,
            pixel_boxes=boxes,
            reward=kind,
            target=target,
            single=False,
            labels=labels,
            image_id=identifier,
        )
    if kind in ("iou", "giou"):
        return box_example(
            id=identifier,
            data_source=data_source,
            images=images,
            question=question,
            pixel_boxes=boxes_in_text(solution),
            reward=kind,
            target=target,
            single=True,
        )
    return Example(identifier, data_source, images, question, solution, kind)


def labelled_boxes(solution: str) -> tuple[list[list[float]], list[str]]:
    """Boxes and labels of a VLM-R1 detection solution; "None" (or an empty list) is an image without objects."""
    if solution.strip().lower() == NO_OBJECTS:
        return [], []
    value = loads_loose(solution)
    if not isinstance(value, list):
        raise RowError("answer", f"detection solution is not a list of boxes: {solution[:80]!r}")
    boxes, labels = [], []
    for item in value:
        box = as_box(item)
        label = str(item.get("label") or "").strip() if isinstance(item, dict) else ""
        if box is None or not label:
            raise RowError("answer", f"detection item needs 'bbox_2d' and a 'label', got {item!r}")
        boxes.append(list(box))
        labels.append(label)
    return boxes, labels


def vlm_r1_rows(
    files: str,
    image_folders: str,
    reward_methods: str | None = None,
    answer_reward: str = "r1v",
    target: BoxTarget = BoxTarget(),
    data_source: str = "vlm_r1",
) -> Iterator[Produced]:
    paths = [Path(part) for part in files.split(":") if part]
    folders = [Path(part) for part in image_folders.split(":") if part] if image_folders else []
    methods = reward_methods.split(":") if reward_methods else ["default"] * len(paths)
    if len(folders) != len(paths) or len(methods) != len(paths):
        raise ValueError(
            f"{len(paths)} data file(s), {len(folders)} image folder(s) and {len(methods)} reward method(s): "
            "give one folder (and one method, if any) per file, joined with ':'"
        )
    for file, folder, method in zip(paths, folders, methods, strict=True):
        for row, record in iter_json_records(file):
            yield Produced(
                str(file),
                row,
                lambda r=record, f=file, i=row, d=folder, m=method: _example(
                    r, f, i, d, m, answer_reward, target, data_source
                ),
            )
