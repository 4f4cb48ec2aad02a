"""The numeric value of a constant LaTeX expression (`\\frac{\\sqrt{3}}{2}`, `2\\pi`, `3^{2}-1`).

Most symbolic-looking math answers are constants. Evaluating them here, with a small
recursive-descent reader (never `eval`), settles `\\frac{\\sqrt3}{2}` against `\\dfrac{\\sqrt{3}}{2}`
in microseconds, where a sympy round trip takes milliseconds; only expressions with variables,
sets, intervals or equations still need the symbolic judge. Anything it does not understand,
including every letter that is not a known constant, gives None.
"""

from __future__ import annotations

import math
import re

from vision_r1.rewards.numbers import clean_math_text

_MAX_CHARS = 200
_MAX_EXPONENT = 64.0
_CONSTANTS = {"\\pi": math.pi, "π": math.pi, "\\e": math.e}
_MULTIPLY = ("*", "\\times", "\\cdot", "×", "·")
_DIVIDE = ("/", "\\div", "÷")
_FRACTIONS = ("\\frac", "\\dfrac", "\\tfrac")
_CLOSING = {"{": "}", "(": ")"}
_SPLIT_NUMBER = re.compile(r"[\d.]\s+[\d.]")


class _NotConstant(Exception):
    pass


def constant_value(text: str) -> float | None:
    """The real value `text` denotes, or None if it is not a plain constant expression."""
    if len(text) > _MAX_CHARS:
        return None
    source = clean_math_text(text)
    if _SPLIT_NUMBER.search(source):  # "1 2" is two numbers, not 12
        return None
    source = "".join(source.split())
    if not source:
        return None
    reader = _Reader(source)
    try:
        value = reader.expression()
        if reader.position != len(source):
            return None
    except (_NotConstant, ArithmeticError, ValueError):
        return None
    return value if isinstance(value, float) and math.isfinite(value) else None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0

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
        value = self.signed()
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
        if char.isdigit() or char in "{(π√":
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
