"""Each benchmark's official scoring rules, both verdicts, next to what the strict judge says."""

from __future__ import annotations

import random

import pytest

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.judging import judge
from vision_r1.evaluation.official import OFFICIAL_RULES
from vision_r1.evaluation.official.mathverse import same_quantity
from vision_r1.evaluation.official.mathvista import closest_option, edit_distance


def _item(answer: str, choices: list[str] | None = None, **extra) -> EvalItem:
    return EvalItem("1", [{"role": "user", "content": "q"}], [], answer, choices, extra_info=extra)


def _answer(text: str) -> str:
    return f"<think>working</think><answer>{text}</answer>"


def _both(kind: str, item: EvalItem, response: str) -> tuple[bool, bool]:
    verdict = judge(item, response, official=OFFICIAL_RULES[kind])
    return verdict.official.correct, verdict.correct


CHOICE = _item("60°", ["30°", "45°", "60°", "90°"], question_type="multi_choice", answer_type="text")
YES_NO = _item("No", ["Yes", "No"], question_type="multi_choice", answer_type="text")
INTEGER = _item("7", question_type="free_form", answer_type="integer", precision=None)
FLOAT = _item("1.2", question_type="free_form", answer_type="float", precision=1)
LIST = _item("[2, 3]", question_type="free_form", answer_type="list", precision=None)


@pytest.mark.parametrize(
    ("item", "response", "official", "strict"),
    [
        (CHOICE, _answer("C"), True, True),
        (CHOICE, _answer("(C) 60 degrees"), True, True),  # the letter in parentheses wins
        (CHOICE, _answer("60"), True, True),  # closest option by edit distance
        (CHOICE, _answer("B"), False, False),
        (CHOICE, _answer("about sixty degrees"), False, False),  # closest option is another one
        (YES_NO, "I cannot tell.", True, False),  # no answer: the closest option to "" is the shortest, "No"
        (YES_NO, "", True, False),
        (INTEGER, _answer("7.9"), True, False),  # int(float(x)) truncates
        (INTEGER, _answer("7 units"), True, True),  # the number of a decorated answer, as GPT extracts it
        (INTEGER, _answer("8"), False, False),
        (INTEGER, "7", True, False),  # a bare integer response is its own answer; strict wants it stated
        (FLOAT, _answer("1.24"), True, False),  # rounded to the question's precision (1 place)
        (FLOAT, _answer("1.26"), False, False),
        (FLOAT, _answer("1.2 m"), True, True),
        (FLOAT, _answer("\\frac{6}{5}"), False, True),  # float() cannot read LaTeX
        (LIST, _answer("[2, 3]"), True, True),
        (LIST, _answer("[3, 2]"), False, False),
    ],
)
def test_mathvista_official(item: EvalItem, response: str, official: bool, strict: bool) -> None:
    assert _both("mathvista", item, response) == (official, strict)


def test_edit_distance_matches_the_textbook_recurrence() -> None:
    def reference(first: str, second: str) -> int:
        row = list(range(len(second) + 1))
        for i, a in enumerate(first, start=1):
            previous, row[0] = row[0], i
            for j, b in enumerate(second, start=1):
                previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (a != b))
        return row[-1]

    rng = random.Random(0)
    for _ in range(3000):
        first = "".join(rng.choice("ab°1 ") for _ in range(rng.randint(0, 70)))
        second = "".join(rng.choice("ab°1 ") for _ in range(rng.randint(0, 70)))
        assert edit_distance(first, second) == reference(first, second)
    assert closest_option("4cm", ["6cm", "4 cm", "5cm"]) == "6cm"  # 1 edit each: the first one wins


MV_CHOICE = _item("B", ["30°", "60°", "90°", "120°"], question_type="multi-choice")
MV_FREE = _item("0.5 m", question_type="free-form")
MV_ANGLE = _item("60°", question_type="free-form")


@pytest.mark.parametrize(
    ("item", "response", "official", "strict"),
    [
        (MV_CHOICE, _answer("B"), True, True),
        (MV_CHOICE, _answer("60°"), True, True),  # option text, from question_for_eval's choices
        (MV_CHOICE, _answer("A, B"), False, False),  # naming another option too
        (MV_CHOICE, _answer("C"), False, False),
        (MV_FREE, _answer("50 cm"), True, False),  # same length in other units
        (MV_FREE, _answer("500 mm"), True, False),
        (MV_FREE, _answer("5 cm"), False, False),
        (MV_FREE, _answer("0.5"), True, True),
        (MV_ANGLE, _answer("\\frac{\\pi}{3}"), True, False),  # the same angle in radians
        (MV_ANGLE, _answer("\\frac{\\pi}{4}"), False, False),
        (MV_FREE, "no final answer here", False, False),
    ],
)
def test_mathverse_official(item: EvalItem, response: str, official: bool, strict: bool) -> None:
    assert _both("mathverse", item, response) == (official, strict)


def test_quantities_need_the_same_dimension() -> None:
    assert same_quantity("2 m^2", "20000 cm^2") and same_quantity("1.5 hours", "90 minutes")
    assert not same_quantity("2 m", "200 g") and not same_quantity("2 m^2", "200 cm")


def _mm(*parts: str) -> EvalItem:
    return _item(", ".join(parts), answer_parts=list(parts))


@pytest.mark.parametrize(
    ("item", "response", "official", "strict"),
    [
        (_mm("3", "5"), _answer("\\boxed{3}, \\boxed{5}"), True, True),
        (
            _mm("3", "5"),
            _answer("\\boxed{5} \\boxed{3}"),
            True,
            False,
        ),  # unordered list; strict wants the order
        (_mm("3", "5"), _answer("\\boxed{3}"), False, False),  # half an answer
        (_mm("3", "5"), _answer("\\boxed{3, 5}"), True, True),
        (_mm("60^\\circ"), _answer("\\boxed{60}"), True, True),
        (_mm("60"), _answer("Final Answer: 60"), False, True),  # no \boxed{}: 0 officially
        (_mm("60"), _answer("\\boxed{60"), False, True),  # braces never close: officially a failed comparison
        (_mm("\\pi"), _answer("\\boxed{3.14}"), True, True),  # absolute 1e-2
        (_mm("\\pi"), _answer("\\boxed{3.1}"), False, False),
        (_mm("12.5"), _answer("\\boxed{12.509}"), True, False),
        (_mm("0.25"), _answer("\\boxed{25}"), True, False),  # percent variant of the reference
        (_mm("(1,3)"), _answer("\\boxed{1<x<3}"), True, False),  # a chain of < read as an interval
        (_mm("5"), _answer("\\boxed{5厘米}"), True, True),  # Chinese unit dropped
        (_mm("2\\frac{1}{2}"), _answer("\\boxed{\\frac{5}{2}}"), False, True),  # sympy reads a product
        (_mm("x=\\pm 2"), _answer("\\boxed{x=2, x=-2}"), True, True),  # \\pm gives two answers
        (_mm("y=2x+1"), _answer("\\boxed{2y=4x+2}"), True, True),  # equations up to an integer factor
        (_mm("y=2x+1"), _answer("\\boxed{y=2x-1}"), False, False),
        (
            _mm("3"),
            "<think>\\boxed{3}</think><answer>\\boxed{4}</answer>",
            False,
            False,
        ),  # the answer block is scored
    ],
)
def test_mmmath_official(item: EvalItem, response: str, official: bool, strict: bool) -> None:
    assert _both("mm_math", item, response) == (official, strict)
