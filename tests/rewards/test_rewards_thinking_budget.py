"""brief_thinking (the learning recipe's length target) and the control runs' negated reward."""

from __future__ import annotations

import pytest

from vision_r1.rewards import REWARD_KEYS, compute_score
from vision_r1.rewards.thinking_budget import DEFAULT_MAX_THINKING_CHARS, thinking_chars


def brief(response: str, **extra: object) -> dict[str, float]:
    return compute_score("synth/counting", response, "3", {"reward": "brief_thinking", **extra})


@pytest.mark.parametrize(
    ("response", "length"),
    [
        ("<think>\n</think><answer>Final Answer: 7</answer>", 0),
        ("<think>\n  abc  \n</think><answer>x</answer>", 3),
        ("  <think>two words</think>\n<answer></answer>  ", 9),
        ("<think>a</think><answer>5", None),  # truncated: no layout, no length
        ("<think>a<answer>5</answer></think><answer>5</answer>", None),
        ("no tags at all", None),
    ],
)
def test_thinking_chars_counts_inside_the_exact_layout_only(response: str, length: int | None) -> None:
    assert thinking_chars(response) == length


def test_budget_decides_and_the_answer_is_not_judged() -> None:
    at_budget = "<think>" + "x" * DEFAULT_MAX_THINKING_CHARS + "</think><answer>wrong</answer>"
    over_budget = "<think>" + "x" * (DEFAULT_MAX_THINKING_CHARS + 1) + "</think><answer>3</answer>"
    assert tuple(brief(at_budget)) == REWARD_KEYS
    assert (brief(at_budget)["score"], brief(at_budget)["format"]) == (1.0, 1.0)
    assert (brief(over_budget)["score"], brief(over_budget)["format"]) == (0.0, 1.0)
    assert brief("<think></think>answer 3")["score"] == 0.0  # no answer block: the format fails first


def test_budget_comes_from_the_row_or_the_stage() -> None:
    response = "<think>twelve chars</think><answer>3</answer>"
    assert brief(response, max_thinking_chars=12)["score"] == 1.0
    assert brief(response, max_thinking_chars=11)["score"] == 0.0
    staged = compute_score("synth/counting", response, "3", None, reward_override="brief_thinking")
    assert staged["score"] == 1.0  # 12 <= the default budget
    tight = compute_score(
        "synth/counting", response, "3", None, reward_override="brief_thinking", max_thinking_chars=4
    )
    assert tight["score"] == 0.0


def test_a_minimum_asks_for_some_thinking() -> None:
    window = {"min_thinking_chars": 1, "max_thinking_chars": 8}
    assert brief("<think>\n</think><answer>3</answer>", **window)["score"] == 0.0  # closed at once
    assert brief("<think>\n</think><answer>3</answer>")["score"] == 1.0  # no minimum by default
    assert brief("<think>a</think><answer>3</answer>", **window)["score"] == 1.0
    assert brief("<think>eight ch</think><answer>3</answer>", **window)["score"] == 1.0
    assert brief("<think>nine char</think><answer>3</answer>", **window)["score"] == 0.0
    assert brief("<think>a</think><answer>3", **window) == brief("<think>a</think><answer>3")  # no layout


@pytest.mark.parametrize("option", ["max_thinking_chars", "min_thinking_chars"])
@pytest.mark.parametrize("chars", [-1, "many", 2.5j])
def test_a_bad_length_is_an_error_naming_the_option(option: str, chars: object) -> None:
    with pytest.raises(ValueError, match=option):
        brief("<think></think><answer>3</answer>", **{option: chars})


def test_a_minimum_above_the_maximum_is_an_error_naming_both() -> None:
    with pytest.raises(ValueError, match="min_thinking_chars=5 is above max_thinking_chars=4"):
        brief("<think></think><answer>3</answer>", min_thinking_chars=5, max_thinking_chars=4)


@pytest.mark.parametrize(
    ("kind", "response", "score"),
    [
        ("brief_thinking", "<think></think><answer>3</answer>", 1.0),
        ("hfrrf", "<think>1+2=3</think><answer>Final Answer: 3</answer>", 1.0),
        ("r1v", "<think>1+2=4</think><answer>Final Answer: 4</answer>", 0.5),
        ("hfrrf", "3", 0.0),
    ],
)
def test_negate_reward_flips_only_the_score(kind: str, response: str, score: float) -> None:
    plain = compute_score("synth/counting", response, "3", {"reward": kind})
    negated = compute_score("synth/counting", response, "3", {"reward": kind}, negate_reward=True)
    assert plain["score"] == score
    assert negated["score"] == -score
    assert {k: v for k, v in negated.items() if k != "score"} == {
        k: v for k, v in plain.items() if k != "score"
    }


def test_a_row_cannot_negate_its_own_reward() -> None:
    response = "<think></think><answer>3</answer>"
    row = {"reward": "brief_thinking", "negate_reward": True}
    assert compute_score("synth/counting", response, "3", row)["score"] == 1.0
