"""`brief_thinking`: a length target for the thinking, the reward of the CPU learning recipe.

A random-weight tiny model cannot answer a visual question, so a correctness reward stays at 0
and GRPO's group advantages stay at 0: nothing is learned and a sign error would go unnoticed.
This reward asks for something such a model can learn from its own outputs alone: the exact
`<think>...</think><answer>...</answer>` layout with at most `max_thinking_chars` characters of
thinking (Vision-R1's thinking suppression, taken to a budget) and, with `min_thinking_chars`, at
least that many: the tiny model after SFT closes its think block at once in about half of its
responses, so a budget alone starts GRPO near 0.5 and leaves little room to show a rise; asking
for some thinking starts it lower. After SFT some responses meet the window by chance, so groups
differ in reward from the first step on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vision_r1.rewards.result import reward_result
from vision_r1.rewards.tags import THINK_CLOSE, THINK_OPEN, has_strict_format

MAX_THINKING_CHARS_KEY = "max_thinking_chars"
MIN_THINKING_CHARS_KEY = "min_thinking_chars"
DEFAULT_MAX_THINKING_CHARS = 16


def thinking_chars(response: str) -> int | None:
    """Characters inside the think block (surrounding whitespace not counted); None without the layout."""
    if not has_strict_format(response):
        return None
    start = response.find(THINK_OPEN) + len(THINK_OPEN)
    return len(response[start : response.find(THINK_CLOSE)].strip())


def _chars_option(options: Mapping[str, Any], key: str, default: int) -> int:
    value = options.get(key)
    if value is None:
        return default
    try:
        chars = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be an integer, got {value!r}") from None
    if chars < 0:
        raise ValueError(f"{key} must be at least 0, got {chars}")
    return chars


def thinking_window(options: Mapping[str, Any]) -> range:
    """The thinking lengths that earn the reward, from `min_thinking_chars` (default 0) and
    `max_thinking_chars` (default 16), each a row's extra_info or the stage's reward kwargs."""
    low = _chars_option(options, MIN_THINKING_CHARS_KEY, 0)
    high = _chars_option(options, MAX_THINKING_CHARS_KEY, DEFAULT_MAX_THINKING_CHARS)
    if low > high:
        raise ValueError(f"{MIN_THINKING_CHARS_KEY}={low} is above {MAX_THINKING_CHARS_KEY}={high}")
    return range(low, high + 1)


def brief_thinking_reward(
    response: str, ground_truth: Any, extra_info: Mapping[str, Any]
) -> dict[str, float]:
    """1 iff the layout is exact and the thinking's length is in the window; the answer is not judged."""
    window = thinking_window(extra_info)
    length = thinking_chars(response)
    format_ok = 0.0 if length is None else 1.0
    brief = 1.0 if length is not None and length in window else 0.0
    return reward_result(brief, format=format_ok, accuracy=brief)
