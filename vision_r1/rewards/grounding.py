"""Single-box grounding rewards: `iou` (VLM-R1 REC) and `giou` (Visual-RFT reasoning grounding).

Both read the first box in the answer (`[x1, y1, x2, y2]`, JSON such as `{"bbox_2d": [...]}`, or
`(x1, y1), (x2, y2)`), convert it from the declared coordinate space to original-image pixels and
compare it with the ground-truth box. As in those projects, the reward is the box term plus a 0/1
format term; format needs the strict think/answer layout with a box inside the answer.

`giou` pays (GIoU + 1) / 2, on the same 0-1 scale as the format term. Visual-RFT paid GIoU + 1 on a
0-2 scale, and 2 when the answer text equals the truth's text; `reward_rules="visual_rft"` does that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vision_r1.rewards.boxes import Box, first_box, giou, iou, pixel_scale, scaled, truth_objects
from vision_r1.rewards.result import reward_result
from vision_r1.rewards.rules import reward_rules
from vision_r1.rewards.tags import answer_block, has_strict_format


def _boxes(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> tuple[Box | None, Box, float]:
    """(predicted box in pixels or None, ground-truth box, format 0/1)."""
    truth = truth_objects(ground_truth)
    if not truth:
        raise ValueError(f"grounding ground truth {ground_truth!r} holds no box")
    block = answer_block(response)
    predicted = first_box(response if block is None else block)
    format_ok = 1.0 if predicted is not None and block is not None and has_strict_format(response) else 0.0
    if predicted is not None:
        predicted = scaled(predicted, pixel_scale(extra_info))
    return predicted, truth[0][0], format_ok


def iou_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """Continuous IoU, or 1/0 at `extra_info["iou_threshold"]` (IoU >= t) when that is set."""
    predicted, truth, format_ok = _boxes(response, ground_truth, extra_info)
    overlap = 0.0 if predicted is None else iou(predicted, truth)
    threshold = extra_info.get("iou_threshold")
    accuracy = overlap if threshold is None else float(overlap >= float(threshold))
    return reward_result(accuracy + format_ok, format=format_ok, accuracy=accuracy, iou=overlap)


def giou_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """(GIoU + 1) / 2: still informative when the boxes do not overlap; 0 for a missing box."""
    predicted, truth, format_ok = _boxes(response, ground_truth, extra_info)
    accuracy = 0.0 if predicted is None else (giou(predicted, truth) + 1.0) / 2.0
    overlap = 0.0 if predicted is None else iou(predicted, truth)
    paid = accuracy
    if reward_rules(extra_info) == "visual_rft":
        block = answer_block(response)
        same_text = block is not None and block.strip() == str(ground_truth).strip()
        paid = 2.0 if same_text else 2.0 * accuracy
    return reward_result(paid + format_ok, format=format_ok, accuracy=accuracy, iou=overlap)
