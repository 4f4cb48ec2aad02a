"""Rewards for reasoning responses judged on their final answer: `hfrrf`, `r1v` and `math`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vision_r1.rewards.labels import truth_texts
from vision_r1.rewards.math import answers_match, extract_answer
from vision_r1.rewards.result import reward_result
from vision_r1.rewards.symbolic import DEFAULT_TIME_LIMIT_S
from vision_r1.rewards.tags import has_strict_format


def option_texts(extra_info: Mapping[str, Any]) -> list[str] | None:
    """`extra_info["choices"]` as a list of strings (parquet hands back numpy arrays)."""
    choices = extra_info.get("choices")
    if choices is None:
        return None
    if hasattr(choices, "tolist"):
        choices = choices.tolist()
    return [str(choice) for choice in choices] or None


def answer_accuracy(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> float:
    """1.0 when the response's final answer matches any acceptable ground truth, else 0.0."""
    answer = extract_answer(response)
    if answer is None:
        return 0.0
    choices = option_texts(extra_info)
    time_limit_s = float(extra_info.get("symbolic_time_limit_s", DEFAULT_TIME_LIMIT_S))
    matched = any(
        answers_match(answer, truth, choices, time_limit_s=time_limit_s)
        for truth in truth_texts(ground_truth)
    )
    return 1.0 if matched else 0.0


def hfrrf_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """Vision-R1's Hard Formatting Result Reward: 1 iff strict think/answer format AND correct."""
    format_ok = 1.0 if has_strict_format(response) else 0.0
    accuracy = answer_accuracy(response, ground_truth, extra_info)
    return reward_result(format_ok * accuracy, format=format_ok, accuracy=accuracy)


def r1v_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """Vision-R1-Zero: format and result weighted 1:1."""
    format_ok = 1.0 if has_strict_format(response) else 0.0
    accuracy = answer_accuracy(response, ground_truth, extra_info)
    return reward_result(0.5 * format_ok + 0.5 * accuracy, format=format_ok, accuracy=accuracy)


def math_reward(response: str, ground_truth: Any, extra_info: Mapping[str, Any]) -> dict[str, float]:
    """Answer correctness alone (evaluation, or base models that do not use the tags)."""
    format_ok = 1.0 if has_strict_format(response) else 0.0
    accuracy = answer_accuracy(response, ground_truth, extra_info)
    return reward_result(accuracy, format=format_ok, accuracy=accuracy)
