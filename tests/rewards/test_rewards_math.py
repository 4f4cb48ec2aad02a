"""Final-answer extraction and answer matching (the math core every reasoning reward uses)."""

from __future__ import annotations

import pytest

from vision_r1.rewards.math import answers_match, extract_answer
from vision_r1.rewards.numbers import numbers_match, parse_number


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("<think>a</think><answer> Final Answer:5 </answer>", "5"),
        ("<think>a</think>\n<answer>Final Answer: \\frac{1}{2}</answer>", "\\frac{1}{2}"),
        ("<answer>so \\boxed{\\frac{3}{4}} it is</answer>", "\\frac{3}{4}"),
        ("<answer>\\boxed{x^{2}+1}</answer>", "x^{2}+1"),
        ("<answer> B </answer>", "B"),
        ("<answer>1</answer> then <answer>2</answer>", "2"),
        ("<answer><answer>7</answer></answer>", "7"),
        ("no tags but \\boxed{12} at the end", "12"),
        ("reasoning...\nFinal Answer: 42\nThanks", "42"),
        ("<answer>final answer is: C</answer>", "C"),
    ],
)
def test_extract_answer(response: str, expected: str) -> None:
    assert extract_answer(response) == expected


@pytest.mark.parametrize(
    "response",
    [
        "",
        "<answer></answer>",
        "<answer>   </answer>",
        "<answer>5",
        "just prose",
        "<answer>\\boxed{}</answer>",
        "\\boxed{3",
    ],
)
def test_extract_answer_none(response: str) -> None:
    assert extract_answer(response) is None


@pytest.mark.parametrize(
    ("predicted", "truth", "choices"),
    [
        ("B", "B", None),
        ("(B)", "B", None),
        ("B.", "B", None),
        ("B) 30°", "B", None),
        ("(b)", "B", None),
        ("Option B", "B", None),
        ("The answer is B", "(B)", None),
        ("30°", "B", ["15°", "30°", "45°"]),
        ("B", "30°", ["15°", "30°", "45°"]),
        ("30", "B", ["A. 15", "B. 30", "C. 45"]),
        ("30°", "30", None),
        ("30^\\circ", "30", None),
        ("30 degrees", "30°", None),
        ("12 cm", "12", None),
        ("12 square units", "12", None),
        ("5 m^2", "5", None),
        ("$1,234", "1234", None),
        ("50\\%", "50", None),
        ("0.5", "50%", None),
        ("50%", "0.5", None),
        ("3.1416", "3.14", None),
        ("1/3", "0.3333", None),
        ("\\frac{1}{2}", "0.5", None),
        ("-\\dfrac{3}{4}", "-0.75", None),
        ("x = 5", "5", None),
        ("٣", "3", None),
        ("１２", "12", None),
        ("−4", "-4", None),
        ("Triangle", "triangle", None),
        ("$\\text{yes}$", "Yes", None),
        ("\\frac{\\sqrt{2}}{2}", "\\sqrt{2}/2", None),
        ("x^2+2x+1", "(x+1)^2", None),
        ("2\\pi", "2π", None),
        ("\\sqrt{3}", "1.732", None),
        ("0.866", "\\frac{\\sqrt{3}}{2}", None),
        ("x=3", "3", None),
    ],
)
def test_answers_match(predicted: str, truth: str, choices: list[str] | None) -> None:
    assert answers_match(predicted, truth, choices)


@pytest.mark.parametrize(
    ("predicted", "truth", "choices"),
    [
        ("C", "B", None),
        ("A, B", "A", None),
        ("A B C D", "A", None),
        ("B 30", "B", None),
        ("45°", "B", ["15°", "30°", "45°"]),
        ("E", "A", ["1", "2"]),
        ("", "5", None),
        ("5", "", None),
        ("4", "5", None),
        ("1000050", "1000000", None),
        ("0.53", "0.5", None),
        ("3x", "3", None),
        ("3.2", "3", None),
        ("square", "triangle", None),
        ("\\sqrt{2}", "\\sqrt{3}", None),
        ("3\\pi", "2\\pi", None),
        ("inf", "5", None),
    ],
)
def test_answers_do_not_match(predicted: str, truth: str, choices: list[str] | None) -> None:
    assert not answers_match(predicted, truth, choices)


def test_number_parsing_values() -> None:
    assert parse_number("1,234.5 cm").value == 1234.5
    assert parse_number("-\\frac{3}{4}").value == -0.75
    assert parse_number("50\\%").percent
    assert parse_number("1e400") is None  # overflow is not a number
    assert parse_number("1/0") is None
    assert parse_number("2,3") is None  # a pair, not a thousands separator
    assert parse_number("3x") is None
    assert parse_number("9" * 300) is None  # too long to be a final answer
    assert numbers_match(parse_number("3.1416"), parse_number("3.14"))
    assert not numbers_match(parse_number("3.15"), parse_number("3.14"))
