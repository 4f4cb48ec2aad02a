"""`classification` (Visual-RFT few-shot fine-grained classification): exact label match.

Visual-RFT compared by substring after lowercasing and removing spaces/underscores, so an empty
answer matched every label and a list of all class names matched any of them. Here the whole
normalized answer must equal the label (or a synonym from `extra_info["synonyms"]`).
`reward_rules="visual_rft"` restores the original substring rule, empty-answer defect included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vision_r1.rewards.labels import normalize_label, truth_texts
from vision_r1.rewards.result import reward_result
from vision_r1.rewards.rules import reward_rules
from vision_r1.rewards.tags import answer_block, has_strict_format


def classification_reward(
    response: str, ground_truth: Any, extra_info: Mapping[str, Any]
) -> dict[str, float]:
    """1 for the exact label (after normalization) plus a 0/1 format term, as in Visual-RFT."""
    block = answer_block(response)
    answer = normalize_label(response if block is None else block)
    synonyms = extra_info.get("synonyms")
    labels = truth_texts(ground_truth) + ([] if synonyms is None else truth_texts(synonyms))
    accepted = {normalize_label(label) for label in labels} - {""}
    if reward_rules(extra_info) == "visual_rft":
        text = (response if block is None else block).strip().replace(" ", "").replace("_", "").lower()
        truth = str(ground_truth).strip().replace(" ", "").replace("_", "").lower()
        accuracy = 1.0 if truth in text or text in truth else 0.0
    else:
        accuracy = 1.0 if answer and answer in accepted else 0.0
    format_ok = 1.0 if has_strict_format(response) else 0.0
    return reward_result(accuracy + format_ok, format=format_ok, accuracy=accuracy)
