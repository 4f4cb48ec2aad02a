"""COCO detection annotations -> category-wise detection rows for open-vocabulary detection.

Each (image, category) pair becomes one row: "detect every <category>" with that category's boxes.
Categories can be restricted to a base or novel split: the common COCO open-vocabulary split
(48 base / 17 novel categories) is built in, or give a JSON file `{"base": [...], "novel": [...]}`.
`negatives` adds up to N absent categories per image whose answer is the empty list.
The annotation file is read whole (COCO JSON has no streaming form); images are read one at a time.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from vision_r1.data.convert.boxes import BoxTarget, box_example, to_xyxy
from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sources import image_bytes
from vision_r1.data.example import Example, RowError
from vision_r1.data.prompts import detection_question

COCO_OVD_NOVEL = (
    "airplane", "bus", "cat", "dog", "cow", "elephant", "umbrella", "tie", "snowboard", "skateboard", "cup",
    "knife", "cake", "couch", "keyboard", "sink", "scissors",
)  # fmt: skip
COCO_OVD_BASE = (
    "person", "bicycle", "car", "motorcycle", "train", "truck", "boat", "bench", "bird", "horse", "sheep",
    "bear", "zebra", "giraffe", "backpack", "handbag", "suitcase", "frisbee", "skis", "kite", "surfboard",
    "bottle", "fork", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "pizza",
    "donut", "chair", "bed", "toilet", "tv", "laptop", "mouse", "remote", "microwave", "oven", "toaster",
    "refrigerator", "book", "clock", "vase", "toothbrush",
)  # fmt: skip
SPLITS = ("all", "base", "novel")


def split_categories(split: str, split_file: Path | None) -> set[str] | None:
    """Category names allowed by `split` (None means every category)."""
    if split not in SPLITS:
        raise ValueError(f"unknown category split {split!r}; expected one of {SPLITS}")
    if split == "all":
        return None
    if split_file is None:
        return set(COCO_OVD_BASE if split == "base" else COCO_OVD_NOVEL)
    spec = json.loads(Path(split_file).read_text())
    if split not in spec:
        raise ValueError(f"{split_file}: no {split!r} list")
    return set(spec[split])


def _example(
    image_root: Path, info: dict, category: str, boxes: list[list[float]], reward: str, target: BoxTarget
) -> Example:
    images = [image_bytes(info.get("file_name", ""), [image_root], "file_name")]
    example = box_example(
        id=f"coco-{info['id']}-{category.replace(' ', '_')}",
        data_source="coco",
        images=images,
        question=lambda frame: detection_question(category, target.space, frame),
        pixel_boxes=boxes,
        reward=reward,
        target=target,
        single=False,
        image_id=str(info["id"]),
        category=category,
    )
    expected = (info.get("width"), info.get("height"))
    actual = example.image_sizes[0]
    if None not in expected and expected != actual:
        raise RowError(
            "images", f"image is {actual[0]}x{actual[1]} but the annotation says {expected[0]}x{expected[1]}"
        )
    return example


def coco_rows(
    annotation_file: str | Path,
    image_root: Path,
    split: str = "all",
    split_file: Path | None = None,
    negatives: int = 0,
    seed: int = 0,
    reward: str = "detection",
    target: BoxTarget = BoxTarget(),
) -> Iterator[Produced]:
    """Rows in image order; within an image, present categories (sorted) then sampled negatives."""
    data = json.loads(Path(annotation_file).read_text())
    names = {category["id"]: category["name"] for category in data.get("categories", [])}
    allowed = split_categories(split, split_file)
    chosen = sorted(name for name in names.values() if allowed is None or name in allowed)
    boxes_by_image: dict[int, dict[str, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
    for annotation in data.get("annotations", []):
        name = names.get(annotation.get("category_id"))
        if name in chosen and not annotation.get("iscrowd"):
            boxes_by_image[annotation["image_id"]][name].append(to_xyxy(annotation["bbox"], "xywh"))
    del data["annotations"]
    for row, info in enumerate(data.get("images", [])):
        present = boxes_by_image.get(info["id"], {})
        absent = [name for name in chosen if name not in present]
        sampled = random.Random(f"{seed}:{info['id']}").sample(absent, min(negatives, len(absent)))
        for category in [*sorted(present), *sampled]:
            boxes = present.get(category, [])
            yield Produced(
                str(annotation_file),
                row,
                lambda i=info, c=category, b=boxes: _example(image_root, i, c, b, reward, target),
            )
