"""The math judge on 300 hand-labelled pairs, cross-checked against math-verify and mathruler."""

from __future__ import annotations

import logging

import pytest
from labelled_pairs import ALL_PAIRS, LIBRARY_GAPS, MIXED_NUMBERS, SPLIT_NUMBERS

from vision_r1.rewards.math import answers_match


def test_the_set_is_300_distinct_pairs_with_both_verdicts() -> None:
    assert len({(p.predicted, p.truth, p.choices) for p in ALL_PAIRS}) == len(ALL_PAIRS) == 300
    assert 90 < sum(not p.same for p in ALL_PAIRS) < 210


def test_judge_agrees_with_every_label() -> None:
    wrong = [
        (p.predicted, p.truth, p.choices, p.same)
        for p in ALL_PAIRS
        if answers_match(p.predicted, p.truth, p.choices or None, time_limit_s=30.0) != p.same
    ]
    assert wrong == []


@pytest.mark.parametrize("pair", MIXED_NUMBERS + SPLIT_NUMBERS, ids=lambda p: f"{p.predicted}|{p.truth}")
def test_mixed_numbers_are_sums_and_spaced_digits_are_not_one_number(pair) -> None:
    assert answers_match(pair.predicted, pair.truth, time_limit_s=30.0) is pair.same


def _math_verify(predicted: str, truth: str) -> bool:
    from math_verify import parse, verify

    gold, answer = parse(f"${truth}$"), parse(f"${predicted}$")
    return bool(gold and answer and verify(gold, answer))


@pytest.mark.slow
def test_where_math_verify_and_mathruler_both_differ_the_reason_is_recorded() -> None:
    """Both libraries, called directly, against the labels: every shared disagreement is a reviewed
    library gap (options, rounding, decoration), and every recorded gap still is one."""
    from mathruler.grader import grade_answer

    logging.disable(logging.WARNING)  # math-verify logs every expression it cannot parse
    try:
        both_differ = {
            (p.predicted, p.truth)
            for p in ALL_PAIRS
            if _math_verify(p.predicted, p.truth) != p.same
            and bool(grade_answer(p.predicted, p.truth)) != p.same
        }
    finally:
        logging.disable(logging.NOTSET)
    assert both_differ == set(LIBRARY_GAPS)
