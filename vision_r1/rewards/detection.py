"""`detection` (Visual-RFT open-vocabulary / few-shot detection): IoU + confidence + format.

Answer: `[{'Position': [x1, y1, x2, y2], 'Confidence': c}, ...]`, or "No Objects". Predictions
are de-duplicated (identical boxes: the most confident one stays), sorted by confidence and
greedily matched to the unmatched ground-truth box of highest IoU, if that IoU >= 0.5.
- IoU reward: sum of matched IoUs / max(#ground truth, #predictions) (1.0 when both are empty);
- confidence reward: mean over predictions of c if matched else 1 - c (1.0 when both are empty);
- score: IoU reward + confidence reward + format (0/1), at most 3, as in Visual-RFT.
Unlike the original, a confidence that is missing, NaN, infinite or outside [0, 1] earns nothing
instead of poisoning the batch with NaN, and an invalid box (x2 <= x1) is an unmatched prediction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vision_r1.rewards.boxes import Box, as_box, iou, pixel_scale, scaled, truth_objects
from vision_r1.rewards.jsonish import loads_loose
from vision_r1.rewards.labels import normalize_label
from vision_r1.rewards.result import reward_result
from vision_r1.rewards.tags import answer_block, has_strict_format

MATCH_IOU = 0.5
MAX_DETECTIONS = 300  # a 64K-character answer must not turn into an O(n^2) matching problem
_INVALID_BOX: Box = (math.nan, math.nan, math.nan, math.nan)
_CONFIDENCE_KEYS = ("confidence", "score", "conf", "probability")
_LABEL_KEYS = ("label", "category", "class", "name")
_NO_OBJECTS = "noobject"  # "No Objects", "no objects found", "No object." after normalization


@dataclass(frozen=True)
class Detection:
    box: Box
    confidence: float | None  # None: missing or not a probability
    label: str | None


def _probability(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


def _detection(item: Any) -> Detection:
    box = as_box(item)
    if not isinstance(item, Mapping):
        return Detection(box or _INVALID_BOX, None, None)
    keyed = {str(key).lower(): value for key, value in item.items()}
    confidence = next((_probability(keyed[key]) for key in _CONFIDENCE_KEYS if key in keyed), None)
    label = next((str(keyed[key]) for key in _LABEL_KEYS if key in keyed), None)
    return Detection(box or _INVALID_BOX, confidence, label)


def parse_detections(response: str) -> list[Detection] | None:
    """Predictions in the answer; [] when it declares no objects; None when it is unreadable."""
    block = answer_block(response)
    answer = response if block is None else block
    value = loads_loose(answer)
    if value is None:
        return [] if _NO_OBJECTS in normalize_label(answer) else None
    if isinstance(value, Mapping) or as_box(value) is not None:
        value = [value]
    if not isinstance(value, list):
        return None
    return [_detection(item) for item in value[:MAX_DETECTIONS]]


def by_confidence(detections: list[Detection]) -> list[Detection]:
    """Most confident first (stable; unusable confidences last), identical boxes kept once."""
    ordered = sorted(detections, key=lambda d: -1.0 if d.confidence is None else d.confidence, reverse=True)
    seen: set[Box] = set()
    unique = []
    for detection in ordered:
        if detection.box == _INVALID_BOX or detection.box not in seen:
            seen.add(detection.box)
            unique.append(detection)
    return unique


def detection_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """Visual-RFT's IoU reward + confidence reward + format (at most 3)."""
    truths = [box for box, _ in truth_objects(ground_truth)]
    parsed = parse_detections(response)
    format_ok = 1.0 if has_strict_format(response) else 0.0
    if parsed is None:
        return reward_result(format_ok, format=format_ok, accuracy=0.0)
    scale = pixel_scale(extra_info)
    detections = by_confidence([Detection(scaled(d.box, scale), d.confidence, d.label) for d in parsed])
    if not detections and not truths:
        return reward_result(2.0 + format_ok, format=format_ok, accuracy=1.0, iou=1.0, confidence=1.0)
    unmatched = list(range(len(truths)))
    matched_ious: list[float] = []
    confidence_terms: list[float] = []
    for detection in detections:
        best = max(unmatched, key=lambda index: iou(detection.box, truths[index]), default=None)
        overlap = 0.0 if best is None else iou(detection.box, truths[best])
        is_match = best is not None and overlap >= MATCH_IOU
        if is_match:
            unmatched.remove(best)
            matched_ious.append(overlap)
        if detection.confidence is not None:
            confidence_terms.append(detection.confidence if is_match else 1.0 - detection.confidence)
        else:
            confidence_terms.append(0.0)
    iou_reward = sum(matched_ious) / max(len(truths), len(detections))
    confidence_reward = sum(confidence_terms) / len(detections) if detections else 0.0
    mean_iou = sum(matched_ious) / len(matched_ious) if matched_ious else 0.0
    return reward_result(
        iou_reward + confidence_reward + format_ok,
        format=format_ok,
        accuracy=iou_reward,
        iou=mean_iou,
        confidence=confidence_reward,
    )
