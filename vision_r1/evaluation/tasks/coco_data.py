"""Model answers and truths of a detection benchmark, as pycocotools' ground-truth and result files.

Rows of the same image (`extra_info.image_id`, else the row) become one COCO image. A row that asks
for one category (`extra_info.category`: Visual-RFT and COCO-converted rows) puts every box it
predicts, and every truth box, in that category; a row that asks for several (VLM-R1's OVD rows)
takes each box's `label`, and a predicted label that names no category of the benchmark is left
out. Only the (image, category) pairs a row asks about have truths, so categories never asked on an
image are not scored there (as in Visual-RFT's per-category prompts).

Explicit limits, each counted in the result: an answer is read up to its first 300 detections in
answer order (`MAX_DETECTIONS`; later ones are dropped, counted in `detections_cut`); a detection's
score is its confidence when that is a number in [0, 1]; a missing score counts as 1.0, VLM-R1's
convention, and so does one on another scale (0-100), counted in `scores_missing` /
`scores_out_of_range`; an invalid box (x2 <= x1, NaN) is dropped (`invalid_boxes`). COCOeval itself
keeps the 100 highest-scoring detections per image and category (`maxDets`), counted in
`pairs_over_100`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem
from vision_r1.rewards.boxes import is_valid, truth_objects
from vision_r1.rewards.detection import MAX_DETECTIONS, in_pixels, parse_detections
from vision_r1.rewards.labels import normalize_label
from vision_r1.rewards.tags import has_strict_format

COCO_MAX_DETS = 100
ANY_CATEGORY = "object"  # rows that neither ask for a category nor label their truths


@dataclass
class CocoFiles:
    """pycocotools' inputs: a ground-truth dataset dict and a list of result dicts."""

    categories: dict[str, str] = field(default_factory=dict)  # normalized name -> display name
    images: dict[str, int] = field(default_factory=dict)  # image key -> COCO image id
    annotations: list[dict[str, Any]] = field(default_factory=list)
    detections: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def category_ids(self) -> dict[str, int]:
        """COCO category id of each normalized category name, in first-seen order."""
        return {key: index + 1 for index, key in enumerate(self.categories)}

    def truth_counts(self) -> dict[str, int]:
        """Truth boxes per category key (0 for categories only ever asked about)."""
        keys = list(self.categories)
        counts = dict.fromkeys(keys, 0)
        for annotation in self.annotations:
            counts[keys[annotation["category_id"] - 1]] += 1
        return counts

    def ground_truth(self) -> dict[str, Any]:
        return {
            "images": [{"id": image_id} for image_id in self.images.values()],
            "categories": [
                {"id": index, "name": self.categories[key]} for key, index in self.category_ids.items()
            ],
            "annotations": self.annotations,
        }


def _image_key(item: EvalItem) -> str:
    return str(item.extra_info.get("image_id") or item.item_id)


def _row_category(item: EvalItem) -> str | None:
    asked = item.extra_info.get("category")
    return normalize_label(str(asked)) if asked else None


def check_item(item: EvalItem) -> None:
    try:
        truth_objects(item.answer)
    except ValueError as error:
        raise BenchmarkFormatError(
            f"item {item.item_id}: field 'reward_model.ground_truth': {error}"
        ) from None


def _add_truths(files: CocoFiles, items: list[EvalItem]) -> None:
    pending = []
    for item in items:
        image_id = files.images.setdefault(_image_key(item), len(files.images) + 1)
        asked = _row_category(item)
        if asked is not None:
            files.categories.setdefault(asked, str(item.extra_info["category"]))
        for box, label in truth_objects(item.answer):
            key = asked or (normalize_label(label) if label else ANY_CATEGORY)
            files.categories.setdefault(key, label or ANY_CATEGORY)
            pending.append((image_id, key, box))
    ids = files.category_ids
    for number, (image_id, key, (x1, y1, x2, y2)) in enumerate(pending, start=1):
        files.annotations.append(
            {
                "id": number,
                "image_id": image_id,
                "category_id": ids[key],
                "bbox": [x1, y1, x2 - x1, y2 - y1],
                "area": (x2 - x1) * (y2 - y1),
                "iscrowd": 0,
            }
        )


def _add_detections(files: CocoFiles, ids: dict[str, int], item: EvalItem, response: str) -> None:
    parsed = parse_detections(response, limit=None)
    if parsed is None:
        files.counts["unreadable_answers"] += 1
        return
    files.counts["detections_cut"] += max(0, len(parsed) - MAX_DETECTIONS)
    asked = _row_category(item)
    image_id = files.images[_image_key(item)]
    per_category: Counter[str] = Counter()
    for detection in in_pixels(parsed[:MAX_DETECTIONS], item.extra_info):
        key = asked or (normalize_label(detection.label) if detection.label else None)
        if key is None or key not in ids:
            files.counts["unknown_labels"] += 1
            continue
        if not is_valid(detection.box):
            files.counts["invalid_boxes"] += 1
            continue
        if detection.confidence is None:
            files.counts["scores_missing" if detection.raw_score is None else "scores_out_of_range"] += 1
        x1, y1, x2, y2 = detection.box
        files.detections.append(
            {
                "image_id": image_id,
                "category_id": ids[key],
                "bbox": [x1, y1, x2 - x1, y2 - y1],
                "score": 1.0 if detection.confidence is None else detection.confidence,
            }
        )
        per_category[key] += 1
    files.counts["pairs_over_100"] += sum(count > COCO_MAX_DETS for count in per_category.values())


def coco_files(items: list[EvalItem], records: list[dict[str, Any]], strict: bool = False) -> CocoFiles:
    """The benchmark as COCO files; with `strict`, answers outside the strict layout predict nothing."""
    files = CocoFiles()
    _add_truths(files, items)
    ids = files.category_ids
    for item, record in zip(items, records, strict=True):
        if strict and not has_strict_format(record["response"]):
            continue
        _add_detections(files, ids, item, record["response"])
    return files
