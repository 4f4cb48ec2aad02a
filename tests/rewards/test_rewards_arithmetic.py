"""Constant LaTeX expressions are valued in-process, so sympy is only asked about real algebra."""

from __future__ import annotations

import math

import pytest

from vision_r1.rewards.arithmetic import constant_value
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
    after = symbolic_verdict.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)
    assert answers_match("2(x+1)", "2x+2", time_limit_s=30.0)
    assert symbolic_verdict.cache_info().misses == before.misses + 1
