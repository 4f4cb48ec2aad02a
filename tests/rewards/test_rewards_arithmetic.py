"""Constants and polynomial identities are settled in-process; sympy only sees what they cannot read."""

from __future__ import annotations

import math

import pytest

from vision_r1.rewards.arithmetic import constant_value, same_equation, same_expression
from vision_r1.rewards.math import answers_match
from vision_r1.rewards.symbolic import symbolic_verdict


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("\\frac{\\sqrt{3}}{2}", math.sqrt(3) / 2),
        ("\\dfrac{\\sqrt3}{2}", math.sqrt(3) / 2),
        ("\\frac12", 0.5),
        ("2\\pi", 2 * math.pi),
        ("\\frac{\\pi}{6}", math.pi / 6),
        ("4\\sqrt{2}+1", 4 * math.sqrt(2) + 1),
        ("2√3", 2 * math.sqrt(3)),
        ("\\sqrt[3]{8}", 2.0),
        ("3^{2}-1", 8.0),
        ("10^{-3}", 0.001),
        ("(1+2)(3+4)", 21.0),
        ("2\\times3\\cdot4", 24.0),
        ("\\left(\\frac{1}{2}\\right)^2", 0.25),
        ("$-\\frac{7}{2}$", -3.5),
        ("٣√٣", 3 * math.sqrt(3)),
    ],
)
def test_constant_values(text: str, value: float) -> None:
    assert constant_value(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "x+1",
        "\\pivot",
        "2^{1000}",
        "\\sqrt{-1}",
        "(-8)^{0.5}",
        "\\frac{1}{0}",
        "1,2",
        "1 2",
        "1.2.3",
        "(1",
        "\\sqrt{}",
        "",
        "2^3^2",
        "1" * 300,
    ],
)
def test_non_constants(text: str) -> None:
    assert constant_value(text) is None


def test_constants_and_numbers_never_reach_the_symbolic_judge() -> None:
    before = symbolic_verdict.cache_info()
    assert answers_match("\\frac{\\sqrt3}{2}", "\\dfrac{\\sqrt{3}}{2}")
    assert answers_match("0.866", "\\frac{\\sqrt{3}}{2}")
    assert answers_match("\\frac{24}{2}", "12")
    assert not answers_match("\\frac{355}{113}", "\\pi")  # exact forms must agree to float noise
    assert not answers_match("\\frac{1}{2}", "\\frac{\\sqrt{3}}{2}")
    assert not answers_match("C", "B", ["1", "2", "3"])
    assert not answers_match("41", "42")
    assert answers_match("x^2+6x+9", "(x+3)^2")  # polynomial identity, valued at test points
    assert not answers_match("x^2+9", "(x+3)^2")
    assert not answers_match("\\sqrt{x^2}", "x")  # a negative test point tells |x| from x
    assert answers_match("2\\frac{1}{2}", "2.5") and not answers_match("2\\frac{1}{2}", "1")  # mixed numbers
    assert answers_match("[0, \\infty)", "[0,\\infty)") and not answers_match("(0, 1]", "(0, 1)")
    assert answers_match("\\{3, -1\\}", "\\{-1,3\\}") and not answers_match("(3, -1)", "(-1, 3)")
    assert not answers_match("1 2", "12")  # two numbers, whatever sympy makes of them
    after = symbolic_verdict.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)
    assert answers_match("\\sin(x)", "\\sin x", time_limit_s=30.0)  # a function: sympy's job
    assert symbolic_verdict.cache_info().misses == before.misses + 1


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("x^2+6x+9", "(x+3)^2", True),
        ("2(x+1)", "2x+2", True),
        ("\\frac{x}{2}", "0.5x", True),
        ("xy", "yx", True),
        ("2a+2", "2x+2", False),  # other variables, other answer
        ("x^2+9", "(x+3)^2", False),
        ("\\sin x", "\\sin x", None),  # functions are left to sympy
        ("x=1", "1", None),
    ],
)
def test_same_expression(first: str, second: str, same: bool | None) -> None:
    assert same_expression(first, second) is same


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("y = 3 + 2x", "y=2x+3", True),
        ("2x - y + 3 = 0", "y=2x+3", True),
        ("x^2-4=0", "(x-2)(x+2)=0", True),
        ("y=2x-3", "y=2x+3", False),  # both isolate y: the right sides decide
        ("y=x^2", "y=(x+1)^2", False),
        ("2x - y - 3 = 0", "y=2x+3", None),  # not proportional, not both explicit: sympy decides
        ("\\frac{1}{x}=2", "x=\\frac{1}{2}", None),  # equivalent, but not proportional
        ("y=\\sin x", "y=\\sin x", None),
        ("y=2x", "2x", None),
        ("a=b=c", "a=b=c", None),
    ],
)
def test_same_equation(first: str, second: str, same: bool | None) -> None:
    assert same_equation(first, second) is same


def test_equation_answers() -> None:
    assert answers_match("y = 3 + 2x", "y=2x+3")
    assert not answers_match("y=2x-3", "y=2x+3", time_limit_s=30.0)
    assert answers_match("2x=1", "x=\\frac{1}{2}")


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("(1, 2]", "(1,2]", True),
        ("(1, 2)", "(1, 2]", False),
        ("[0, +\\infty)", "[0,\\infty)", True),
        ("(-\\infty, 0)", "(0, \\infty)", False),
        ("\\{2, 1, 2\\}", "\\{1, 2, 2\\}", True),
        ("\\{1, 2\\}", "\\{1, 2, 3\\}", False),
        ("(1,2)\\cup(3,4)", "(1,2) ∪ (3,4)", True),
        ("(a+b, 1)", "(b+a, 1)", True),  # entries compared as expressions
        ("(\\sin x, 1)", "(\\sin(x), 1)", None),  # an entry only sympy can settle
        ("\\{x | x > 1\\}", "(1, \\infty)", None),  # set-builder notation
        ("(x+1)(x-2)", "(x-2)(x+1)", None),  # a product, not a point
        ("[1, 2, 3]", "[1, 2, 3]", None),  # a list, not an interval
        ("5", "(5, 5)", None),
    ],
)
def test_same_bracketed(first: str, second: str, same: bool | None) -> None:
    from vision_r1.rewards.intervals import same_bracketed
    from vision_r1.rewards.math import element_match

    assert same_bracketed(first, second, element_match) is same
