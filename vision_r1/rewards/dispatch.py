"""verl's entry point: pick the reward kind for a sample and score it.

verl 0.9 loads it with `reward.custom_reward_function.path=<this package's __init__.py>` and
`reward.custom_reward_function.name=compute_score`, and calls it once per response (from executor
threads in the reward loop). Per-sample options travel in `extra_info`; options set once for a
run (`reward.custom_reward_function.reward_kwargs`) arrive as keyword arguments, and a sample's
own `extra_info` wins over them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from vision_r1.rewards.average_precision import map50_reward, map_length_reward, map_reward
from vision_r1.rewards.classification import classification_reward
from vision_r1.rewards.detection import detection_reward
from vision_r1.rewards.grounding import giou_reward, iou_reward
from vision_r1.rewards.reasoning import hfrrf_reward, math_reward, r1v_reward
from vision_r1.rewards.thinking_budget import brief_thinking_reward

RewardFunction = Callable[[str, Any, Mapping[str, Any]], dict[str, float]]

KINDS: dict[str, RewardFunction] = {
    "hfrrf": hfrrf_reward,
    "r1v": r1v_reward,
    "math": math_reward,
    "iou": iou_reward,
    "giou": giou_reward,
    "detection": detection_reward,
    "map": map_reward,
    "map50": map50_reward,
    "map_length": map_length_reward,
    "classification": classification_reward,
    "brief_thinking": brief_thinking_reward,
}

# Used only when a row has no `extra_info["reward"]`. Keys are lower-case data-source names; a
# `user/` prefix and a split suffix (`_train`, `_val`, `_test`, `_testmini`, ...) are ignored, and a kind's own name maps to it.
DATA_SOURCE_KINDS: dict[str, str] = {
    "vision_r1": "hfrrf",
    "vision-r1": "hfrrf",
    "geometry3k": "hfrrf",
    "we-math": "hfrrf",
    "wemath": "hfrrf",
    "mathvision": "hfrrf",
    "polymath": "hfrrf",
    "scemqa": "hfrrf",
    "vision_r1_zero": "r1v",
    "mathvista": "math",
    "mathverse": "math",
    "mm-math": "math",
    "mm_math": "math",
    "refcoco": "iou",
    "refcoco+": "iou",
    "refcocog": "iou",
    "rec": "iou",
    "lisa": "giou",
    "reasonseg": "giou",
    "coco": "detection",
    "lvis": "detection",
    "ovd": "map",
    "ovdeval": "map",
    "coco_ovd": "map",
    "flowers102": "classification",
    "pets37": "classification",
    "oxford_pets": "classification",
    "cars196": "classification",
    "stanford_cars": "classification",
    "aircraft": "classification",
    "fgvc_aircraft": "classification",
    "caltech101": "classification",
}
REWARD_OVERRIDE = "reward_override"
NEGATE_REWARD = "negate_reward"
_SPLIT_SUFFIX = re.compile(r"[_-](?:train|training|val|valid|validation|test|testmini|testa|testb|dev)$")


def reward_kind(data_source: str, extra_info: Mapping[str, Any] | None = None) -> str:
    """`extra_info["reward"]` when present, else the documented mapping from `data_source`."""
    if extra_info and extra_info.get("reward"):
        kind = str(extra_info["reward"]).strip().lower()
        if kind not in KINDS:
            raise ValueError(
                f"unknown reward kind {kind!r} in extra_info['reward']; known kinds: {sorted(KINDS)}"
            )
        return kind
    name = _SPLIT_SUFFIX.sub("", str(data_source).strip().lower().rsplit("/", 1)[-1])
    if name in KINDS:
        return name
    if name in DATA_SOURCE_KINDS:
        return DATA_SOURCE_KINDS[name]
    raise ValueError(
        f"no reward kind for data_source {data_source!r}: set extra_info['reward'] to one of "
        f"{sorted(KINDS)} or use a data source from {sorted(DATA_SOURCE_KINDS)}"
    )


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, float]:
    """Score one response; returns `score` plus its components (see `result.REWARD_KEYS`).

    Run-wide options come as keyword arguments (verl's `reward_kwargs`) and a row's `extra_info`
    overrides them, except two that only a stage sets: `reward_override`, with which a GRPO stage
    that names its reward kind (e.g. the paper's HFRRF) applies it to every row whatever kind the
    dataset was written with, and `negate_reward`, with which a control run trains on minus the
    reward (`score` is negated, its components are logged as they are).
    """
    options = {**kwargs, **(extra_info or {})}
    forced = kwargs.get(REWARD_OVERRIDE)
    kind = reward_kind(data_source, {"reward": forced} if forced else options)
    result = KINDS[kind](str(solution_str), ground_truth, options)
    if kwargs.get(NEGATE_REWARD):
        result["score"] = -result["score"]
    return result
