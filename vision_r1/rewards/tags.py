"""The `<think>...</think><answer>...</answer>` response layout shared by every reward kind.

Plain string scanning instead of regular expressions: rollouts can be 64K characters of
degenerate text, and `str.find` / `str.count` stay linear where a lazy `.*?` regex may not.
"""

from __future__ import annotations

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
_ALL_TAGS = (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)


def has_strict_format(response: str) -> bool:
    """True iff the response is exactly one think block followed by exactly one answer block.

    Whitespace is allowed around and between the blocks; any other text outside them, a second
    block, or a tag nested inside another block breaks the format. This is the formatting half of
    Vision-R1's Hard Formatting Result Reward.
    """
    text = response.strip()
    if not (text.startswith(THINK_OPEN) and text.endswith(ANSWER_CLOSE)):
        return False
    if any(text.count(tag) != 1 for tag in _ALL_TAGS):
        return False
    think_end = text.find(THINK_CLOSE)
    answer_start = text.find(ANSWER_OPEN)
    return think_end < answer_start and not text[think_end + len(THINK_CLOSE) : answer_start].strip()


def answer_block(response: str) -> str | None:
    """Content of the last complete `<answer>...</answer>` block, or None when there is none.

    The last block wins because models that restate an answer usually correct themselves at the
    end; with nested tags (`<answer><answer>5</answer></answer>`) the innermost content is taken.
    An unclosed `<answer>` (a truncated rollout) is skipped in favour of an earlier complete block.
    """
    limit = len(response)
    while (start := response.rfind(ANSWER_OPEN, 0, limit)) >= 0:
        end = response.find(ANSWER_CLOSE, start, limit)
        if end >= 0:
            return response[start + len(ANSWER_OPEN) : end]
        limit = start
    return None
