"""`detection` (Visual-RFT open-vocabulary / few-shot detection): IoU + confidence + format.

Answer: `[{'Position': [x1, y1, x2, y2], 'Confidence': c}, ...]`, or "No Objects". Predictions
are de-duplicated (identical boxes: the most confident one stays), sorted by confidence and
greedily matched to the unmatched ground-truth box of highest IoU, if that IoU >= 0.5.
- IoU reward: sum of matched IoUs / max(#ground truth, #predictions) (1.0 when both are empty);
- confidence reward: mean over predictions of c if matched else 1 - c (1.0 when both are empty);
- score: IoU reward + confidence reward + format (0/1), at most 3, as in Visual-RFT.
Unlike the original, a confidence that is missing, NaN, infinite or outside [0, 1] (e.g. a 0-100
score) earns nothing instead of poisoning the batch with NaN or zeroing the whole sample, and an
invalid box (x2 <= x1) is an unmatched prediction. An answer is read up to its first
`MAX_DETECTIONS` (300) detections, in answer order; the rest are ignored.

`reward_rules="visual_rft"` reproduces the original exactly where it differs: duplicates keep the
first box in answer order, a match needs IoU > 0.5 (strictly), a prediction without a numeric
confidence (or an empty / "No Objects" answer) zeroes the IoU and confidence terms of the sample, a
confidence outside [0, 1] is used as written, and each term is clipped to [0, 1].
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
from vision_r1.rewards.rules import reward_rules
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
    raw_score: float | None = None  # the number as written (any finite value), for the original rules


def _probability(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _detection(item: Any) -> Detection:
    box = as_box(item)
    if not isinstance(item, Mapping):
        return Detection(box or _INVALID_BOX, None, None)
    keyed = {str(key).lower(): value for key, value in item.items()}
    written = next((keyed[key] for key in _CONFIDENCE_KEYS if key in keyed), None)
    label = next((str(keyed[key]) for key in _LABEL_KEYS if key in keyed), None)
    return Detection(box or _INVALID_BOX, _probability(written), label, _number(written))


def parse_detections(response: str, limit: int | None = MAX_DETECTIONS) -> list[Detection] | None:
    """Predictions in the answer, the first `limit` in answer order; [] when it declares no objects;
    None when it is unreadable."""
    block = answer_block(response)
    answer = response if block is None else block
    value = loads_loose(answer)
    if value is None:
        return [] if _NO_OBJECTS in normalize_label(answer) else None
    if isinstance(value, Mapping) or as_box(value) is not None:
        value = [value]
    if not isinstance(value, list):
        return None
    return [_detection(item) for item in value[:limit]]


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


def in_pixels(detections: list[Detection], extra_info: Mapping[str, Any]) -> list[Detection]:
    """The detections with their boxes moved from the answer's coordinate space to image pixels."""
    scale = pixel_scale(extra_info)
    return [Detection(scaled(d.box, scale), d.confidence, d.label, d.raw_score) for d in detections]


def detection_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """Visual-RFT's IoU reward + confidence reward + format (at most 3)."""
    truths = [box for box, _ in truth_objects(ground_truth)]
    parsed = parse_detections(response)
    format_ok = 1.0 if has_strict_format(response) else 0.0
    if parsed is None:
        return reward_result(format_ok, format=format_ok, accuracy=0.0)
    if reward_rules(extra_info) == "visual_rft":
        return _visual_rft_original(in_pixels(parsed, extra_info), truths, format_ok)
    detections = by_confidence(in_pixels(parsed, extra_info))
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
    return _result(matched_ious, confidence_terms, len(truths), format_ok, clip=False)


def _result(
    matched_ious: list[float], confidence_terms: list[float], truth_count: int, format_ok: float, clip: bool
) -> dict[str, float]:
    """IoU reward (matched IoU sum / max(#truth, #predicted)) + mean confidence term + format;
    `clip` bounds each term to [0, 1] as the original does."""
    predicted = len(confidence_terms)
    iou_reward = sum(matched_ious) / max(truth_count, predicted)
    confidence_reward = sum(confidence_terms) / predicted if predicted else 0.0
    if clip:
        iou_reward, confidence_reward = (min(1.0, max(0.0, term)) for term in (iou_reward, confidence_reward))
    mean_iou = sum(matched_ious) / len(matched_ious) if matched_ious else 0.0
    return reward_result(
        iou_reward + confidence_reward + format_ok,
        format=format_ok,
        accuracy=iou_reward,
        iou=mean_iou,
        confidence=confidence_reward,
    )


def _visual_rft_original(
    detections: list[Detection], truths: list[Box], format_ok: float
) -> dict[str, float]:
    """Visual-RFT's own reward, rule for rule (see the module docstring)."""
    if not detections or any(d.raw_score is None for d in detections):
        return reward_result(format_ok, format=format_ok, accuracy=0.0)
    unique: list[Detection] = []
    seen: set[Box] = set()
    for detection in detections:  # the first of identical boxes stays, in answer order
        if detection.box not in seen:
            seen.add(detection.box)
            unique.append(detection)
    unique.sort(key=lambda d: d.raw_score or 0.0, reverse=True)
    taken: set[int] = set()
    matched_ious, confidence_terms = [], []
    for detection in unique:
        best, best_iou = -1, 0.0
        for index, truth in enumerate(truths):
            overlap = iou(detection.box, truth)
            if index not in taken and overlap > best_iou:
                best, best_iou = index, overlap
        score = detection.raw_score or 0.0
        if best_iou > MATCH_IOU:
            taken.add(best)
            matched_ious.append(best_iou)
            confidence_terms.append(score)
        else:
            confidence_terms.append(1.0 - score)
    return _result(matched_ious, confidence_terms, len(truths), format_ok, clip=True)
