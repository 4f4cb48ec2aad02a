"""300 hand-labelled (prediction, ground truth) pairs: the reference the math judge is held to.

Each label is what a careful human grader decides: the same answer or not. The pairs cover the
forms final answers take in MathVista / MathVerse / MM-Math and the RL sets: integers and decimals
with units, degrees and percent; fractions, mixed numbers, radicals and pi; multiple choice by
letter or option text; words; polynomials and equations; intervals, points and sets; functions.
They are cross-checked against math-verify and mathruler in `test_rewards_math_labelled.py`.
"""

from __future__ import annotations

from typing import NamedTuple


class Pair(NamedTuple):
    predicted: str
    truth: str
    same: bool
    choices: tuple[str, ...] = ()


def _pairs(rows: list[tuple[str, str, bool]], choices: tuple[str, ...] = ()) -> list[Pair]:
    return [Pair(predicted, truth, same, choices) for predicted, truth, same in rows]


INTEGERS = _pairs(
    [
        ("5", "5", True),
        ("5.0", "5", True),
        ("5", "6", False),
        ("-3", "−3", True),
        ("-5", "5", False),
        ("1,234", "1234", True),
        ("1234", "1,234", True),
        ("12 cm", "12", True),
        ("12", "12 cm", True),
        ("12 cm^2", "12", True),
        ("12 square units", "12", True),
        ("30°", "30", True),
        ("30^\\circ", "30°", True),
        ("30^{\\circ}", "30", True),
        ("30 degrees", "30", True),
        ("x = 5", "5", True),
        ("x=5", "x = 5", True),
        ("1000050", "1000000", False),
        ("12", "1.2", False),
        ("120", "12", False),
        ("0", "0", True),
        ("٣", "3", True),
        ("１２", "12", True),
        ("\\(7\\)", "7", True),
        ("7.", "7", True),
        ("\\text{7}", "7", True),
        ("\\mathbf{7}", "7", True),
        ("8", "\\boxed{8}", True),
        ("2^{10}", "1024", True),
        ("10^3", "1000", True),
        ("3 \\times 4", "12", True),
        ("6 \\cdot 7", "42", True),
        ("2+3", "5", True),
        ("24 m", "24", True),
        ("3 people", "3", True),
    ]
)

DECIMALS = _pairs(
    [
        ("3.14", "3.14", True),
        ("3.140", "3.14", True),
        ("3.1416", "3.14", True),
        ("3.15", "3.14", False),
        ("0.5", "0.50", True),
        ("0.53", "0.5", False),
        (".5", "0.5", True),
        ("2.5", "5/2", True),
        ("1e3", "1000", True),
        ("1.2", "1.20 m", True),
        ("1.45 cm", "1.45", True),
        ("1.5", "1.45", False),
        ("2.9", "1.45", False),
        ("-0.75", "-\\frac{3}{4}", True),
        ("0.333", "\\frac{1}{3}", True),
        ("0.3", "\\frac{1}{3}", False),
        ("6.28", "2\\pi", True),
        ("6.2", "2\\pi", False),
        ("1.732", "\\sqrt{3}", True),
        ("1.73", "\\sqrt{3}", True),
        ("1.7", "\\sqrt{3}", False),
        ("12.5%", "0.125", True),
        ("0.125", "12.5\\%", True),
        ("2.05", "2.5", False),
        ("99.9", "100", False),
        ("0.001", "10^{-3}", True),
        ("0.01", "10^{-3}", False),
    ]
)

FRACTIONS = _pairs(
    [
        ("\\frac{1}{2}", "0.5", True),
        ("\\dfrac{3}{4}", "\\frac{3}{4}", True),
        ("\\tfrac{3}{4}", "0.75", True),
        ("3/4", "0.75", True),
        ("\\frac{2}{4}", "\\frac{1}{2}", True),
        ("\\frac{1}{3}", "0.3333", True),
        ("\\frac{1}{2}", "\\frac{1}{3}", False),
        ("\\frac{3}{2}", "\\frac{2}{3}", False),
        ("-\\frac{3}{4}", "-0.75", True),
        ("\\frac{-3}{4}", "-\\frac{3}{4}", True),
        ("-\\frac{3}{4}", "\\frac{3}{4}", False),
        ("\\frac12", "\\frac{1}{2}", True),
        ("\\frac{24}{2}", "12", True),
        ("\\frac{10}{4}", "2.5", True),
        ("1/3", "0.33", True),
        ("2/3", "0.67", True),
        ("2/3", "0.6", False),
        ("\\frac{7}{8}", "0.875", True),
        ("\\frac{7}{8}", "0.86", False),
        ("\\frac{1}{4}", "25\\%", True),
        ("\\frac{1}{4}", "25", False),
        ("\\frac{100}{3}", "33.33", True),
        ("\\frac{\\pi}{6}", "\\frac{1}{6}\\pi", True),
        ("\\frac{5}{12}", "\\frac{10}{24}", True),
        ("\\frac{5}{12}", "\\frac{12}{5}", False),
        ("(1/2)", "0.5", True),
        ("\\left(\\frac{1}{2}\\right)^2", "\\frac{1}{4}", True),
        ("\\frac{1}{2}^2", "\\frac{1}{2}", False),
    ]
)

MIXED_NUMBERS = _pairs(
    [
        ("2\\frac{1}{2}", "2.5", True),
        ("2\\frac{1}{2}", "1", False),
        ("1\\frac{1}{2}", "\\frac{3}{2}", True),
        ("-1\\frac{1}{2}", "-1.5", True),
        ("-1\\frac{1}{2}", "-0.5", False),
        ("3\\frac{1}{4}", "\\frac{13}{4}", True),
        ("3\\frac{1}{4}", "\\frac{3}{4}", False),
        ("2 1/2", "2.5", True),
        ("2\\frac12", "2.5", True),
        ("2\\dfrac{1}{2}", "\\frac{5}{2}", True),
        ("2 \\frac{1}{2}", "2.5", True),
        ("1\\frac{1}{2}", "0.5", False),
        ("2\\frac{\\sqrt{3}}{2}", "\\sqrt{3}", True),  # a radical numerator: a product, not a mixed number
        ("4\\frac{2}{3}", "4.67", True),
        ("5\\frac{1}{3}", "\\frac{16}{3}", True),
    ]
)

SPLIT_NUMBERS = _pairs(
    [
        ("1 2", "12", False),
        ("12", "1 2", False),
        ("3 4", "34", False),
        ("1 000", "1000", False),
        ("1 2", "1 2", True),
        ("2 5", "25", False),
        ("1.5 2", "1.52", False),
        ("3 0", "30", False),
    ]
)

RADICALS_AND_PI = _pairs(
    [
        ("\\sqrt{2}", "1.414", True),
        ("2\\sqrt{3}", "\\sqrt{12}", True),
        ("\\frac{\\sqrt{3}}{2}", "0.866", True),
        ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", True),
        ("\\frac{\\sqrt{2}}{2}", "\\sqrt{2}/2", True),
        ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", True),
        ("\\sqrt{3}", "\\sqrt{2}", False),
        ("4\\sqrt{2}", "\\sqrt{32}", True),
        ("4\\sqrt{2}", "\\sqrt{8}", False),
        ("3\\sqrt{2}", "\\sqrt{18}", True),
        ("\\sqrt[3]{8}", "2", True),
        ("\\sqrt{16}", "4", True),
        ("\\sqrt{16}", "8", False),
        ("2√3", "2\\sqrt{3}", True),
        ("\\sqrt3", "\\sqrt{3}", True),
        ("\\pi", "3.14", True),
        ("2\\pi", "2π", True),
        ("3\\pi", "2\\pi", False),
        ("\\frac{\\pi}{3}", "\\frac{1}{3}\\pi", True),
        ("\\frac{355}{113}", "\\pi", False),
        ("4\\pi", "12.57", True),
        ("16\\pi", "50.27", True),
        ("16\\pi", "16", False),
        ("\\pi r^2", "r^2\\pi", True),
        ("2\\sqrt{5}+1", "1+2\\sqrt{5}", True),
        ("2\\sqrt{5}-1", "1-2\\sqrt{5}", False),
        ("\\frac{4\\sqrt{3}}{3}", "\\frac{4}{\\sqrt{3}}", True),
        ("5\\sqrt{2}", "7.07", True),
        ("\\sqrt{2}\\pi", "4.44", True),
        ("10\\sqrt{3}", "17.32", True),
    ]
)

PERCENT = _pairs(
    [
        ("50%", "0.5", True),
        ("0.5", "50%", True),
        ("50\\%", "50", True),
        ("25%", "0.25", True),
        ("25%", "0.5", False),
        ("50 percent", "50%", True),
        ("12.5\\%", "12.5%", True),
        ("40%", "60%", False),
        ("0.4", "40\\%", True),
        ("4", "40%", False),
    ]
)

CHOICE_OPTIONS = ("30°", "45°", "60°", "90°")
CHOICES = _pairs(
    [
        ("C", "60°", True),
        ("(C)", "60°", True),
        ("C.", "60°", True),
        ("C: 60°", "60°", True),
        ("(C) 60°", "60°", True),
        ("60°", "C", True),
        ("60", "C", True),
        ("60^\\circ", "C", True),
        ("c", "C", True),
        ("Option C", "C", True),
        ("The answer is C", "C", True),
        ("B", "60°", False),
        ("45°", "C", False),
        ("A, C", "C", False),
        ("C D", "C", False),
        ("E", "C", False),
        ("90°", "D", True),
        ("D", "D", True),
        ("(A)", "A", True),
        ("30", "A", True),
    ],
    CHOICE_OPTIONS,
)
LABELLED_OPTIONS = ("A. 15", "B. 30", "C. 45")
CHOICES += _pairs(
    [
        ("30", "B", True),
        ("B", "30", True),
        ("15", "B", False),
        ("B. 30", "B", True),
        ("C", "B", False),
    ],
    LABELLED_OPTIONS,
)
WORD_OPTIONS = ("Yes", "No")
CHOICES += _pairs(
    [
        ("Yes", "Yes", True),
        ("yes", "A", True),
        ("A", "Yes", True),
        ("No", "Yes", False),
        ("B", "Yes", False),
    ],
    WORD_OPTIONS,
)
CHOICES += _pairs(
    [
        ("B", "B", True),
        ("(B)", "B", True),
        ("B)", "B", True),
        ("b", "B", True),
        ("C", "B", False),
        ("A B C D", "A", False),
        ("B 30", "B", False),
        ("Bob", "B", False),
        ("The correct option is (D)", "D", True),
        ("Answer: A", "A", True),
    ]
)

WORDS = _pairs(
    [
        ("Yes", "yes", True),
        ("Triangle", "triangle", True),
        ("square", "triangle", False),
        ("$\\text{yes}$", "Yes", True),
        ("no", "yes", False),
        ("isosceles triangle", "Isosceles Triangle", True),
        ("right", "acute", False),
        ("parallelogram", "rectangle", False),
        ("east", "East.", True),
        ("blue", "red", False),
        ("true", "True", True),
        ("impossible", "possible", False),
    ]
)

ALGEBRA = _pairs(
    [
        ("x^2+2x+1", "(x+1)^2", True),
        ("(x+1)^2", "x^2+2x+1", True),
        ("x^2+1", "(x+1)^2", False),
        ("2(x+1)", "2x+2", True),
        ("2(x+1)", "2x+1", False),
        ("x^2-1", "(x-1)(x+1)", True),
        ("x^2-1", "(x-1)^2", False),
        ("\\frac{x}{2}", "0.5x", True),
        ("a+b", "b+a", True),
        ("2ab", "2ba", True),
        ("2a", "2b", False),
        ("3x", "3", False),
        ("x^{2}", "x^2", True),
        ("x^3", "x^2", False),
        ("\\frac{1}{x}", "x^{-1}", True),
        ("\\frac{x+1}{2}", "\\frac{x}{2}+\\frac{1}{2}", True),
        ("\\frac{x+1}{2}", "\\frac{x}{2}+1", False),
        ("\\sqrt{x^2}", "x", False),
        ("2\\sqrt{x}", "\\sqrt{4x}", True),
        ("(a+b)^2", "a^2+2ab+b^2", True),
        ("(a+b)^2", "a^2+b^2", False),
        ("x^2+6x+9", "(x+3)^2", True),
        ("x^2+9", "(x+3)^2", False),
        ("4x^2-9", "(2x-3)(2x+3)", True),
        ("\\frac{x^2-1}{x-1}", "x+1", True),
        ("3xy", "3yx", True),
        ("3(x-2)", "3x-6", True),
        ("-(x-2)", "2-x", True),
        ("-(x-2)", "x-2", False),
        ("\\frac{2}{3}x", "\\frac{2x}{3}", True),
    ]
)

EQUATIONS = _pairs(
    [
        ("y=2x+3", "y = 3 + 2x", True),
        ("y = 3 + 2x", "y=2x+3", True),
        ("y=2x-3", "y=2x+3", False),
        ("2x-y+3=0", "y=2x+3", True),
        ("x=5", "5", True),
        ("x^2-4=0", "(x-2)(x+2)=0", True),
        ("y=x^2", "y=(x+1)^2", False),
        ("2x=1", "x=\\frac{1}{2}", True),
        ("y=\\frac{1}{2}x+1", "y=0.5x+1", True),
        ("y=-x+2", "x+y=2", True),
        ("y=-x+2", "x+y=3", False),
        ("y=2x", "y=-2x", False),
        ("x+y=5", "y=5-x", True),
        ("y=3x^2-2", "y=3x^2+2", False),
        ("y=x^2-2x+1", "y=(x-1)^2", True),
        ("y = 4", "4", True),
        ("a=3", "3", True),
        ("k=-2", "-2", True),
        ("k=-2", "2", False),
        ("y=\\frac{6}{x}", "xy=6", True),
    ]
)

INTERVALS_AND_SETS = _pairs(
    [
        ("(1, 2]", "(1,2]", True),
        ("(1,2)", "(1,2]", False),
        ("[0,\\infty)", "[0, \\infty)", True),
        ("[0, +\\infty)", "[0,\\infty)", True),
        ("(-\\infty, 3)", "(-\\infty,3)", True),
        ("(-\\infty, 3]", "(-\\infty, 3)", False),
        ("(-\\infty, 3)", "(3, \\infty)", False),
        ("\\{1,2\\}", "\\{2,1\\}", True),
        ("\\{1,2\\}", "\\{1,3\\}", False),
        ("\\{1, 2, 3\\}", "\\{1, 2\\}", False),
        ("(2, 3)", "(3, 2)", False),
        ("(2,3)", "(2, 3)", True),
        ("(\\frac{1}{2}, 1)", "(0.5, 1)", True),
        ("(1,2)\\cup(3,4)", "(1,2) \\cup (3,4)", True),
        ("(1,2)\\cup(3,4)", "(1,2) \\cup (3,5)", False),
        ("[-1, 1]", "[-1,1]", True),
        ("[-1, 1]", "(-1, 1)", False),
        ("(-2, 3)", "(-2,3]", False),
        ("(0, \\sqrt{2})", "(0, 1.414)", True),
        ("(1, 2, 3)", "(1,2,3)", True),
        ("(1, 2, 3)", "(1,3,2)", False),
        ("(-1, 4)", "(-1,4)", True),
        ("(4, -1)", "(-1, 4)", False),
        ("[2, 5)", "[2,5)", True),
        ("[2, 5)", "[2,5]", False),
        ("\\{-1, 3\\}", "\\{3, -1\\}", True),
        ("(x, 2x)", "(x,2x)", True),
        ("(-\\infty, -1) \\cup (1, +\\infty)", "(-\\infty,-1)\\cup(1,\\infty)", True),
        ("[0, 2\\pi)", "[0, 6.283)", True),
        ("(\\frac{\\pi}{6}, \\frac{\\pi}{2})", "(\\frac{\\pi}{6},\\frac{\\pi}{2})", True),
    ]
)

FUNCTIONS = _pairs(
    [
        ("\\sin x", "\\sin(x)", True),
        ("\\sin x", "\\cos x", False),
        ("\\sin^2 x + \\cos^2 x", "1", True),
        ("\\log_2 8", "3", True),
        ("\\log_2 8", "4", False),
        ("e^{2}", "e^2", True),
        ("\\sqrt{x}", "x^{1/2}", True),
        ("2\\sin x\\cos x", "\\sin 2x", True),
        ("\\ln(e^3)", "3", True),
        ("\\cos(0)", "1", True),
        ("\\tan x", "\\frac{\\sin x}{\\cos x}", True),
        ("\\tan x", "\\frac{\\cos x}{\\sin x}", False),
        ("|x|", "x", False),
        ("f(x)=2x+1", "f(x)=1+2x", True),
        ("e^{x}", "e^{-x}", False),
    ]
)

ALL_PAIRS: list[Pair] = (
    INTEGERS
    + DECIMALS
    + FRACTIONS
    + MIXED_NUMBERS
    + SPLIT_NUMBERS
    + RADICALS_AND_PI
    + PERCENT
    + CHOICES
    + WORDS
    + ALGEBRA
    + EQUATIONS
    + INTERVALS_AND_SETS
    + FUNCTIONS
)

# Pairs where math-verify and mathruler both disagree with the label, and why: neither sees the
# options of a multiple-choice question, neither accepts a rounded decimal for an exact value (or
# the other way round), and neither strips every decoration an answer comes with.
_ROUNDING = "decimal rounding of the other side"
_OPTIONS = "the libraries do not see the options"
_DECORATION = "decoration the libraries keep (units, prefixes, brackets, case)"
LIBRARY_GAPS: dict[tuple[str, str], str] = {
    ("3 people", "3"): _DECORATION,
    ("3.1416", "3.14"): _ROUNDING,
    ("0.333", "\\frac{1}{3}"): _ROUNDING,
    ("6.28", "2\\pi"): _ROUNDING,
    ("1.732", "\\sqrt{3}"): _ROUNDING,
    ("1.73", "\\sqrt{3}"): _ROUNDING,
    ("0.125", "12.5\\%"): "percent read as a fraction",
    ("\\frac{1}{3}", "0.3333"): _ROUNDING,
    ("1/3", "0.33"): _ROUNDING,
    ("2/3", "0.67"): _ROUNDING,
    ("\\frac{1}{4}", "25\\%"): "percent read as a fraction",
    ("\\frac{100}{3}", "33.33"): _ROUNDING,
    ("4\\frac{2}{3}", "4.67"): _ROUNDING,
    ("\\sqrt{2}", "1.414"): _ROUNDING,
    ("\\frac{\\sqrt{3}}{2}", "0.866"): _ROUNDING,
    ("2√3", "2\\sqrt{3}"): "the unicode radical sign",
    ("\\pi", "3.14"): _ROUNDING,
    ("4\\pi", "12.57"): _ROUNDING,
    ("16\\pi", "50.27"): _ROUNDING,
    ("5\\sqrt{2}", "7.07"): _ROUNDING,
    ("\\sqrt{2}\\pi", "4.44"): _ROUNDING,
    ("10\\sqrt{3}", "17.32"): _ROUNDING,
    ("0.4", "40\\%"): "percent read as a fraction",
    ("C", "60°"): _OPTIONS,
    ("(C)", "60°"): _OPTIONS,
    ("C.", "60°"): _OPTIONS,
    ("60°", "C"): _OPTIONS,
    ("60", "C"): _OPTIONS,
    ("60^\\circ", "C"): _OPTIONS,
    ("Option C", "C"): _DECORATION,
    ("The answer is C", "C"): _DECORATION,
    ("90°", "D"): _OPTIONS,
    ("30", "A"): _OPTIONS,
    ("30", "B"): _OPTIONS,
    ("B", "30"): _OPTIONS,
    ("B. 30", "B"): _DECORATION,
    ("yes", "A"): _OPTIONS,
    ("A", "Yes"): _OPTIONS,
    ("B)", "B"): _DECORATION,
    ("The correct option is (D)", "D"): _DECORATION,
    ("Answer: A", "A"): _DECORATION,
    ("east", "East."): _DECORATION,
    ("2x=1", "x=\\frac{1}{2}"): "an equation and its solved form",
    ("(0, \\sqrt{2})", "(0, 1.414)"): _ROUNDING,
    ("[0, 2\\pi)", "[0, 6.283)"): _ROUNDING,
}
