"""`map`, `map50`, `map_length` (VLM-R1 open-vocabulary detection): COCO-style AP for one image.

An exact re-implementation of pycocotools' bbox evaluation restricted to one image (area range
"all", at most 100 detections per category, no crowd boxes): per category, detections sorted by
score are greedily matched to the unmatched ground truth of highest IoU >= t; precision is made
monotone and read at 101 recall points. AP is averaged over IoU 0.50:0.05:0.95 (or one threshold,
`extra_info["ap_iou_threshold"]`, e.g. 0.5 for AP50) and over the categories present in the ground
truth; as in pycocotools, a category that only the prediction mentions does not count. An image
without ground-truth objects scores 1.0 when nothing is predicted and 0.0 otherwise. Reward: AP
plus a 0/1 format term. The tests check this module against pycocotools itself.

The three kinds are VLM-R1's `od_ap` (AP@[.5:.95]), `od_ap50` (AP@0.5) and `odLength`
(AP@[.5:.95] times min(1, #truth / #predicted), which stops a model from listing boxes at random).
Predicted scores order the detections; one without a usable score counts as 1.0. With
`reward_rules="vlm_r1"` every prediction scores 1.0, as in VLM-R1 (answer order then decides ties).
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

from vision_r1.rewards.boxes import Box, iou, truth_objects
from vision_r1.rewards.detection import Detection, in_pixels, parse_detections
from vision_r1.rewards.labels import normalize_label
from vision_r1.rewards.result import reward_result
from vision_r1.rewards.rules import reward_rules
from vision_r1.rewards.tags import has_strict_format


def _linspace(start: float, stop: float, count: int) -> list[float]:
    """numpy.linspace's values bit for bit (i * step + start, last = stop), without numpy."""
    step = (stop - start) / (count - 1)
    return [index * step + start for index in range(count - 1)] + [stop]


# pycocotools' own grids, so that recall comparisons agree with it exactly
COCO_IOU_THRESHOLDS = _linspace(0.5, 0.95, 10)
RECALL_POINTS = _linspace(0.0, 1.0, 101)
MAX_DETECTIONS_PER_CATEGORY = 100
_EPSILON = sys.float_info.epsilon  # numpy.spacing(1), which pycocotools adds to precision denominators
_ONE_CATEGORY = ""


def _interpolated_precision(is_match: Sequence[bool], truth_count: int) -> float:
    """Mean precision at the 101 recall points, precision made non-increasing first."""
    recall, precision = [], []
    true_positives = false_positives = 0
    for matched in is_match:
        true_positives += matched
        false_positives += not matched
        recall.append(true_positives / truth_count)
        precision.append(true_positives / (true_positives + false_positives + _EPSILON))
    for index in range(len(precision) - 1, 0, -1):
        precision[index - 1] = max(precision[index - 1], precision[index])
    total = 0.0
    for point in RECALL_POINTS:
        index = bisect_left(recall, point)
        if index == len(precision):
            break  # recall never reaches this point, nor any later one
        total += precision[index]
    return total / len(RECALL_POINTS)


def _category_ap(
    scored: list[tuple[Box, float]], truths: list[Box], thresholds: Sequence[float]
) -> list[float]:
    """AP of one category at each IoU threshold."""
    order = sorted(range(len(scored)), key=lambda index: -scored[index][1])[:MAX_DETECTIONS_PER_CATEGORY]
    overlaps = [[iou(scored[d][0], truth) for truth in truths] for d in order]
    per_threshold = []
    for threshold in thresholds:
        taken = [False] * len(truths)
        is_match = []
        for row in overlaps:
            best, best_iou = -1, min(float(threshold), 1 - 1e-10)
            for index, overlap in enumerate(row):
                if not taken[index] and overlap >= best_iou:
                    best, best_iou = index, overlap
            if best >= 0:
                taken[best] = True
            is_match.append(best >= 0)
        per_threshold.append(_interpolated_precision(is_match, len(truths)))
    return per_threshold


def average_precision_by_threshold(
    detections: Sequence[Detection],
    truths: Sequence[tuple[Box, str | None]],
    thresholds: Sequence[float] = COCO_IOU_THRESHOLDS,
) -> list[float]:
    """AP of one image at each IoU threshold, averaged over ground-truth categories."""
    if not truths:
        return [0.0 if detections else 1.0] * len(thresholds)
    labelled = any(label is not None for _, label in truths)

    def category(label: str | None) -> str | None:
        if not labelled:
            return _ONE_CATEGORY
        return None if label is None else normalize_label(label)

    truths_by_category: dict[str | None, list[Box]] = {}
    for box, label in truths:
        truths_by_category.setdefault(category(label), []).append(box)
    per_category = []
    for key, category_truths in truths_by_category.items():
        scored = [
            (d.box, 1.0 if d.confidence is None else d.confidence)
            for d in detections
            if category(d.label) == key
        ]
        per_category.append(_category_ap(scored, category_truths, thresholds))
    return [sum(values) / len(values) for values in zip(*per_category, strict=True)]


def image_average_precision(
    detections: Sequence[Detection],
    truths: Sequence[tuple[Box, str | None]],
    thresholds: Sequence[float] = COCO_IOU_THRESHOLDS,
) -> float:
    """AP of one image's detections (boxes in the ground truth's coordinates)."""
    per_threshold = average_precision_by_threshold(detections, truths, thresholds)
    return sum(per_threshold) / len(per_threshold)


def _ap_result(
    response: str, ground_truth: Any, extra_info: Mapping[str, Any], at_50: bool, length_penalty: bool
) -> dict[str, float]:
    truths = truth_objects(ground_truth)
    parsed = parse_detections(response)
    format_ok = 1.0 if has_strict_format(response) else 0.0
    if parsed is None:
        return reward_result(format_ok, format=format_ok, accuracy=0.0)
    detections = in_pixels(parsed, extra_info)
    if reward_rules(extra_info) == "vlm_r1":
        detections = [Detection(d.box, 1.0, d.label, 1.0) for d in detections]
    threshold = extra_info.get("ap_iou_threshold")
    if at_50:
        threshold = 0.5
    thresholds = COCO_IOU_THRESHOLDS if threshold is None else [float(threshold), 0.5]
    per_threshold = average_precision_by_threshold(detections, truths, thresholds)
    precision = sum(per_threshold) / len(per_threshold) if threshold is None else per_threshold[0]
    if length_penalty and len(detections) > len(truths):
        precision *= len(truths) / len(detections)
    ap50 = per_threshold[thresholds.index(0.5)]
    return reward_result(precision + format_ok, format=format_ok, accuracy=precision, iou=ap50)


def map_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """COCO AP@[.5:.95] (or AP at `extra_info["ap_iou_threshold"]`) plus a 0/1 format term (VLM-R1 `od_ap`)."""
    return _ap_result(response, ground_truth, extra_info, at_50=False, length_penalty=False)


def map50_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """AP at IoU 0.5 plus format (VLM-R1 `od_ap50`)."""
    return _ap_result(response, ground_truth, extra_info, at_50=True, length_penalty=False)


def map_length_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """AP@[.5:.95] times min(1, #truth / #predicted) plus format (VLM-R1 `odLength`)."""
    return _ap_result(response, ground_truth, extra_info, at_50=False, length_penalty=True)
