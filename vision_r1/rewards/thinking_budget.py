"""`brief_thinking`: a length target for the thinking, the reward of the CPU learning recipe.

A random-weight tiny model cannot answer a visual question, so a correctness reward stays at 0
and GRPO's group advantages stay at 0: nothing is learned and a sign error would go unnoticed.
This reward asks for something such a model can learn from its own outputs alone: the exact
`<think>...</think><answer>...</answer>` layout with at most `max_thinking_chars` characters of
thinking (Vision-R1's thinking suppression, taken to a budget). After SFT on the cold-start set
some responses already meet it by chance, so groups differ in reward from the first step on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vision_r1.rewards.result import reward_result
from vision_r1.rewards.tags import THINK_CLOSE, THINK_OPEN, has_strict_format

MAX_THINKING_CHARS_KEY = "max_thinking_chars"
DEFAULT_MAX_THINKING_CHARS = 16


def thinking_chars(response: str) -> int | None:
    """Characters inside the think block (surrounding whitespace not counted); None without the layout."""
    if not has_strict_format(response):
        return None
    start = response.find(THINK_OPEN) + len(THINK_OPEN)
    return len(response[start : response.find(THINK_CLOSE)].strip())


def thinking_budget(options: Mapping[str, Any]) -> int:
    """The budget from `max_thinking_chars` (a row's extra_info or the stage's reward kwargs)."""
    value = options.get(MAX_THINKING_CHARS_KEY)
    if value is None:
        return DEFAULT_MAX_THINKING_CHARS
    try:
        budget = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{MAX_THINKING_CHARS_KEY} must be an integer, got {value!r}") from None
    if budget < 0:
        raise ValueError(f"{MAX_THINKING_CHARS_KEY} must be at least 0, got {budget}")
    return budget


def brief_thinking_reward(
    response: str, ground_truth: Any, extra_info: Mapping[str, Any]
) -> dict[str, float]:
    """1 iff the layout is exact and the thinking fits the budget; the answer itself is not judged."""
    length = thinking_chars(response)
    format_ok = 0.0 if length is None else 1.0
    brief = 1.0 if length is not None and length <= thinking_budget(extra_info) else 0.0
    return reward_result(brief, format=format_ok, accuracy=brief)
