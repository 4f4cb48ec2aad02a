"""compute_score: kind selection, the reasoning kinds, and the fixed result shape."""

from __future__ import annotations

import numpy as np
import pytest

from vision_r1.rewards import REWARD_KEYS, compute_score, reward_kind

GOOD = "<think>2+3=5</think>\n<answer> Final Answer:5 </answer>"
WRONG = "<think>2+3=6</think><answer> Final Answer:6 </answer>"
UNFORMATTED = "The answer is <answer>5</answer>"


@pytest.mark.parametrize(
    ("response", "kind", "score", "format_ok", "accuracy"),
    [
        (GOOD, "hfrrf", 1.0, 1.0, 1.0),
        (WRONG, "hfrrf", 0.0, 1.0, 0.0),
        (UNFORMATTED, "hfrrf", 0.0, 0.0, 1.0),
        (GOOD, "r1v", 1.0, 1.0, 1.0),
        (WRONG, "r1v", 0.5, 1.0, 0.0),
        (UNFORMATTED, "r1v", 0.5, 0.0, 1.0),
        (UNFORMATTED, "math", 1.0, 0.0, 1.0),
        (WRONG, "math", 0.0, 1.0, 0.0),
    ],
)
def test_reasoning_kinds(response: str, kind: str, score: float, format_ok: float, accuracy: float) -> None:
    result = compute_score("anything", response, "5", {"reward": kind})
    assert tuple(result) == REWARD_KEYS
    assert (result["score"], result["format"], result["accuracy"]) == (score, format_ok, accuracy)


@pytest.mark.parametrize(
    "response",
    [
        "<think>a</think><answer>5</answer><answer>5</answer>",
        "<think>a</think><think>b</think><answer>5</answer>",
        "<answer>5</answer><think>a</think>",
        "<think>a</think> extra <answer>5</answer>",
        "<think>a</think><answer>5</answer> trailing",
        "<think>a<answer>5</answer></think><answer>5</answer>",
        "<think>a</think><answer>5",
    ],
)
def test_hfrrf_rejects_broken_layouts(response: str) -> None:
    assert compute_score("geometry3k", response, "5")["score"] == 0.0


def test_hfrrf_allows_whitespace_around_and_between_blocks() -> None:
    assert (
        compute_score("geometry3k", "\n <think>\nx\n</think> \n\n <answer>\n5\n</answer>\n ", "5")["score"]
        == 1.0
    )


def test_choices_from_parquet_numpy_array_and_numeric_ground_truth() -> None:
    info = {"reward": "hfrrf", "choices": np.array(["15°", "30°", "45°"], dtype=object)}
    assert compute_score("x", "<think>t</think><answer>B</answer>", "30°", info)["score"] == 1.0
    assert compute_score("x", "<think>t</think><answer>7</answer>", 7.0, {"reward": "math"})["score"] == 1.0
    assert (
        compute_score("x", "<think>t</think><answer>seven</answer>", ["7", "seven"], {"reward": "math"})[
            "score"
        ]
        == 1.0
    )


def test_kind_selection() -> None:
    assert reward_kind("hiyouga/geometry3k") == "hfrrf"
    assert reward_kind("mathvista_testmini") == "math"
    assert reward_kind("MathVerse_test") == "math"
    assert reward_kind("r1v") == "r1v"
    assert reward_kind("geometry3k", {"reward": "math"}) == "math"


def test_unknown_kinds_name_themselves_and_the_known_kinds() -> None:
    with pytest.raises(ValueError, match=r"'bleu'.*hfrrf"):
        compute_score("x", GOOD, "5", {"reward": "bleu"})
    with pytest.raises(ValueError, match=r"'my_dataset'.*extra_info\['reward'\]"):
        compute_score("my_dataset", GOOD, "5")


def test_run_wide_kwargs_and_verl_extra_keys() -> None:
    info = {"num_turns": None, "rollout_reward_scores": {}}
    assert compute_score("x", GOOD, "5", info, reward="r1v")["score"] == 1.0
    assert compute_score("x", WRONG, "5", {"reward": "math"}, reward="hfrrf")["score"] == 0.0


@pytest.mark.parametrize(
    ("truth", "answer", "score"),
    [
        ('"5"', "5", 1.0),  # a JSON string
        ('["5", "five"]', "five", 1.0),  # a JSON list of strings: any of them
        ("[1, 2]", "[1,2]", 1.0),  # a literal interval / pair, not a list of answers
        ("[1, 2]", "1", 0.0),
        (5, "5", 1.0),
        (0.5, "\\frac{1}{2}", 1.0),
    ],
)
def test_ground_truth_forms_for_math(truth: object, answer: str, score: float) -> None:
    response = f"<think>t</think><answer>{answer}</answer>"
    assert compute_score("geometry3k", response, truth)["score"] == score
