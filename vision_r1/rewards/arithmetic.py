"""Numeric values of LaTeX arithmetic: constants (`\\frac{\\sqrt{3}}{2}`, `2\\pi`) and, with values
bound to the letters, algebraic expressions (`x^2+6x+9`).

Most symbolic-looking math answers are constants or polynomials. Evaluating them here, with a
small recursive-descent reader (never `eval`), settles `\\frac{\\sqrt3}{2}` against
`\\dfrac{\\sqrt{3}}{2}` in microseconds, and `(x+3)^2` against `x^2+6x+9` by comparing both at a few
fixed points (two rational expressions that agree at several generic points are the same; one
that differs anywhere is not); equations likewise when their form allows. A sympy round trip
takes milliseconds (tens for an equation), so only sets, intervals, functions and equations
this cannot settle go to the symbolic judge. Anything the reader does not understand
gives None.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping

from vision_r1.rewards.numbers import clean_math_text

_MAX_CHARS = 200
_MAX_EXPONENT = 64.0
_CONSTANTS = {"\\pi": math.pi, "π": math.pi}
# Each point gives every ASCII letter its own generic value; one point has negative values so
# that sqrt(x^2) and x are told apart (or, for a negative radicand, the reader gives up).
_POINTS = [
    {
        letter: sign * (0.5 + ((index * 7 + offset * 13) % 31) / 23)
        for index, letter in enumerate(string.ascii_letters)
    }
    for offset, sign in ((1, 1.0), (2, -1.0), (3, 1.0))
]
_MULTIPLY = ("*", "\\times", "\\cdot", "×", "·")
_DIVIDE = ("/", "\\div", "÷")
_FRACTIONS = ("\\frac", "\\dfrac", "\\tfrac")
_CLOSING = {"{": "}", "(": ")"}
_SPLIT_NUMBER = re.compile(r"[\d.]\s+[\d.]")
# `2\frac{1}{2}` and `2 1/2` are mixed numbers (2.5), as math-verify and mathruler read them; an
# integer before any other fraction (`2\frac{\sqrt3}{2}`) is a product.
_MIXED_LATEX = re.compile(
    r"\\[dt]?frac(?:\{(?P<top>\d+)\}|(?P<top_digit>\d))(?:\{(?P<bottom>\d+)\}|(?P<bottom_digit>\d))"
)
_MIXED_TEXT = re.compile(r"(?P<sign>[-+]?)(?P<whole>\d+)\s+(?P<top>\d+)\s*/\s*(?P<bottom>\d+)")
_INTEGER_LITERAL = re.compile(r"[-+]?\d+")


class _NotConstant(Exception):
    pass


def constant_value(text: str, mixed_numbers: bool = True) -> float | None:
    """The real value `text` denotes, or None if it is not a plain constant expression.

    `mixed_numbers=False` reads `2\\frac{1}{2}` as a product (1), as sympy's LaTeX parser does:
    scorers that use that parser (MM-Math's) need its reading to be reproduced.
    """
    return _value(text, {}, mixed_numbers)


def same_expression(first: str, second: str) -> bool | None:
    """Whether two expressions in the same letters agree at every test point; None if unreadable."""
    for point in _POINTS:
        first_value, second_value = _value(first, point), _value(second, point)
        if first_value is None or second_value is None:
            return None
        if not math.isclose(first_value, second_value, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


def same_equation(first: str, second: str) -> bool | None:
    """Whether two single equations are the same; None when that is not clear without sympy.

    Same when the differences of their sides are proportional at every test point
    (`y = 3 + 2x` and `2x - y + 3 = 0`). When both isolate the same letter (`y = ...`), they are
    the same exactly when the other sides are (`y = 2x - 3` is not `y = 2x + 3`). Anything else
    is left to sympy: equations can be equivalent without being proportional (`1/x = 2`, `x = 1/2`).
    """
    if first.count("=") != 1 or second.count("=") != 1:
        return None
    first_left, first_right = (side.strip() for side in first.split("="))
    second_left, second_right = (side.strip() for side in second.split("="))
    isolated = first_left == second_left and len(first_left) == 1 and first_left.isalpha()
    if isolated and first_left not in first_right + second_right:
        return same_expression(first_right, second_right)
    return True if equation_ratio(first, second) is not None else None


def equation_ratio(first: str, second: str) -> float | None:
    """The constant k with (left - right) of `first` = k (left - right) of `second` at every test
    point; None when the two single equations are not proportional or cannot be read here."""
    if first.count("=") != 1 or second.count("=") != 1:
        return None
    sides = [side.strip() for equation in (first, second) for side in equation.split("=")]
    ratios = []
    for point in _POINTS:
        values = [_value(side, point) for side in sides]
        if any(value is None for value in values):
            return None
        first_difference, second_difference = values[0] - values[1], values[2] - values[3]
        if first_difference == 0 or second_difference == 0:
            return None
        ratios.append(first_difference / second_difference)
    return ratios[0] if all(math.isclose(ratio, ratios[0], rel_tol=1e-9) for ratio in ratios) else None


def _value(text: str, letters: Mapping[str, float], mixed_numbers: bool = True) -> float | None:
    if len(text) > _MAX_CHARS:
        return None
    source = clean_math_text(text)
    mixed = _MIXED_TEXT.fullmatch(source) if mixed_numbers else None
    if mixed is not None:
        return _mixed_value(mixed["sign"], mixed["whole"], mixed["top"], mixed["bottom"])
    if _SPLIT_NUMBER.search(source):  # "1 2" is two numbers, not 12
        return None
    source = "".join(source.split())
    if not source:
        return None
    reader = _Reader(source, letters, mixed_numbers)
    try:
        value = reader.expression()
        if reader.position != len(source):
            return None
    except (_NotConstant, ArithmeticError, ValueError):
        return None
    return value if isinstance(value, float) and math.isfinite(value) else None


def _mixed_value(sign: str, whole: str, top: str, bottom: str) -> float | None:
    if int(bottom) == 0:
        return None
    magnitude = int(whole) + int(top) / int(bottom)
    return -magnitude if sign == "-" else magnitude


class _Reader:
    def __init__(self, source: str, letters: Mapping[str, float], mixed_numbers: bool = True) -> None:
        self.source = source
        self.position = 0
        self.letters = letters
        self.mixed_numbers = mixed_numbers

    def _take(self, *tokens: str) -> str | None:
        for token in tokens:
            if self.source.startswith(token, self.position):
                # a command must not be the prefix of a longer one (\pi vs \pivot)
                end = self.position + len(token)
                if token[0] == "\\" and end < len(self.source) and self.source[end].isalpha():
                    continue
                self.position = end
                return token
        return None

    def _peek(self) -> str:
        """The next character; "\0" at the end, which no test below accepts."""
        return self.source[self.position] if self.position < len(self.source) else "\0"

    def expression(self) -> float:
        value = self.term()
        while (sign := self._take("+", "-")) is not None:
            value = value + self.term() if sign == "+" else value - self.term()
        return value

    def term(self) -> float:
        start = self.position
        value = self.signed()
        if self.mixed_numbers and _INTEGER_LITERAL.fullmatch(self.source, start, self.position):
            mixed = _MIXED_LATEX.match(self.source, self.position)
            if mixed is not None:
                self.position = mixed.end()
                literal = self.source[start : mixed.start()]
                top, bottom = mixed["top"] or mixed["top_digit"], mixed["bottom"] or mixed["bottom_digit"]
                whole = _mixed_value(
                    literal[0] if literal[0] in "+-" else "", literal.lstrip("+-"), top, bottom
                )
                if whole is None:
                    raise _NotConstant
                value = whole
        while True:
            if self._take(*_MULTIPLY):
                value *= self.signed()
            elif self._take(*_DIVIDE):
                value /= self.signed()
            elif self._starts_atom():  # implicit product: 2\sqrt{3}, 3\pi, 2(5)
                value *= self.power()
            else:
                return value

    def signed(self) -> float:
        if self._take("-"):
            return -self.signed()
        if self._take("+"):
            return self.signed()
        return self.power()

    def power(self) -> float:
        base = self.atom()
        if self._take("^"):
            exponent = self._argument()
            if abs(exponent) > _MAX_EXPONENT:
                raise _NotConstant
            result = base**exponent
            if isinstance(result, complex):
                raise _NotConstant
            return float(result)
        return base

    def _starts_atom(self) -> bool:
        char = self._peek()
        if char.isdigit() or char in "{(π√" or char in self.letters:
            return True
        rest = self.source[self.position :]
        return rest.startswith(("\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\pi"))

    def _argument(self) -> float:
        """A braced group or, LaTeX-style, a single digit (`\\frac12`, `x^2`)."""
        if self._peek() == "{":
            return self._group()
        if self._peek().isdigit():
            self.position += 1
            return float(self.source[self.position - 1])
        raise _NotConstant

    def _group(self) -> float:
        opener = self.source[self.position]
        self.position += 1
        value = self.expression()
        if not self._take(_CLOSING[opener]):
            raise _NotConstant
        return value

    def atom(self) -> float:
        char = self._peek()
        if char.isdigit() or char == ".":
            return self._number()
        if char in _CLOSING:
            return self._group()
        if self._take(*_FRACTIONS):
            numerator = self._argument()
            return numerator / self._argument()
        if self._take("\\sqrt", "√"):
            degree = 2.0
            if self._take("["):
                degree = self.expression()
                if not self._take("]"):
                    raise _NotConstant
            radicand = self.atom() if self._peek() in "({" or self._peek().isdigit() else self._argument()
            if radicand < 0 or degree == 0:
                raise _NotConstant
            return radicand ** (1.0 / degree)
        for name, value in _CONSTANTS.items():
            if self._take(name):
                return value
        if char in self.letters:
            self.position += 1
            return self.letters[char]
        raise _NotConstant

    def _number(self) -> float:
        start = self.position
        while self._peek().isdigit():
            self.position += 1
        if self._peek() == ".":
            self.position += 1
            while self._peek().isdigit():
                self.position += 1
        literal = self.source[start : self.position]
        if literal == ".":
            raise _NotConstant
        return float(literal)
