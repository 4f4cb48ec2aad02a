"""classification: exact normalized labels, synonyms, and the original implementation's bugs."""

from __future__ import annotations

import pytest

from vision_r1.rewards import compute_score


def score(answer: str, truth: object = "pink_primrose", **extra: object) -> float:
    return compute_score("flowers102", f"<think>petals</think><answer>{answer}</answer>", truth, extra)[
        "accuracy"
    ]


@pytest.mark.parametrize(
    "answer", ["pink_primrose", "Pink Primrose", " PINK  primrose. ", "pinkprimrose", "'pink primrose'"]
)
def test_label_variants_match(answer: str) -> None:
    assert score(answer) == 1.0


@pytest.mark.parametrize(
    "answer",
    [
        "",  # the original matched an empty answer against every label
        "   ",
        "primrose",
        "pink primrose, hard-leaved pocket orchid, canterbury bells, sweet pea",  # listing classes
        "not a pink primrose",
    ],
)
def test_non_answers_do_not_match(answer: str) -> None:
    assert score(answer) == 0.0


def test_synonyms_and_list_truths() -> None:
    assert score("evening primrose", synonyms=["evening primrose", "oenothera"]) == 1.0
    assert score("oenothera", truth=["pink primrose", "oenothera"]) == 1.0
    assert score("", truth="") == 0.0


def test_score_is_accuracy_plus_format() -> None:
    result = compute_score("flowers102", "<think>x</think><answer>Pink Primrose</answer>", "pink_primrose")
    assert (result["score"], result["format"]) == (2.0, 1.0)
    result = compute_score("flowers102", "Pink Primrose", "pink_primrose")
    assert (result["score"], result["format"]) == (1.0, 0.0)
