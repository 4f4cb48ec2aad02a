"""Intervals, points and finite sets compared in-process: `(1, 2]`, `[0, \\infty)`, `(3, -4)`, `\\{1, 2\\}`.

These are the one common answer form the arithmetic reader cannot value, and a sympy round trip
costs tens of milliseconds in a separate process. Their structure is simple enough to compare
here: the same brackets and the same values at each position (intervals, points) or the same
values in any order (sets). Elements are compared by the caller's own element rule, so numbers
keep their usual tolerance. Anything else (unions in another order, set-builder notation,
symbolic endpoints the caller cannot settle) gives None and is left to the symbolic judge.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from vision_r1.rewards.numbers import clean_math_text

ElementMatch = Callable[[str, str], bool | None]

_SET_OPEN, _SET_CLOSE = ("\\{", "{"), ("\\}", "}")
_UNION = re.compile(r"\\cup|∪")
_SET_BUILDER = re.compile(r"\||\\mid|:")
_INFINITY = re.compile(r"^([-+]?)\s*(?:\\infty|∞|inf|infinity|oo)$", re.IGNORECASE)
_MAX_CHARS = 300


def same_bracketed(predicted: str, truth: str, elements_match: ElementMatch) -> bool | None:
    """Whether two interval / point / set answers are the same; None when either is not one of them."""
    if len(predicted) > _MAX_CHARS or len(truth) > _MAX_CHARS:
        return None
    first, second = _parts(clean_math_text(predicted)), _parts(clean_math_text(truth))
    if first is None or second is None:
        return None
    if len(first) != len(second):
        return False
    verdicts = [_same_part(a, b, elements_match) for a, b in zip(first, second, strict=True)]
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _parts(text: str) -> list[tuple[str, list[str], str]] | None:
    """A union of bracketed lists as (opening bracket, elements, closing bracket) triples."""
    parts = []
    for piece in _UNION.split(text):
        bracketed = _bracketed(piece.strip())
        if bracketed is None:
            return None
        parts.append(bracketed)
    return parts


def _bracketed(text: str) -> tuple[str, list[str], str] | None:
    for opener in _SET_OPEN:
        for closer in _SET_CLOSE:
            if text.startswith(opener) and text.endswith(closer) and len(text) > len(opener) + len(closer):
                elements = split_top_level(text[len(opener) : -len(closer)])
                if not elements or any(_SET_BUILDER.search(element) for element in elements):
                    return None
                return "{", elements, "}"
    if len(text) < 2 or text[0] not in "([" or text[-1] not in ")]":
        return None
    elements = split_top_level(text[1:-1])
    if elements is None or len(elements) < 2:
        return None
    if len(elements) > 2 and (text[0], text[-1]) != ("(", ")"):
        return None  # only points and tuples have more than two entries
    return text[0], elements, text[-1]


def split_top_level(inner: str) -> list[str] | None:
    """Comma-separated elements, commas inside brackets and braces kept; None when an element is
    empty or the brackets do not balance."""
    pieces, balanced = comma_pieces(inner, "([{")
    elements = [piece.strip() for piece in pieces]
    if not balanced or any(not element or ";" in element for element in elements):
        return None
    return elements


def comma_pieces(text: str, openers: str) -> tuple[list[str], bool]:
    """The raw pieces of `text` between commas outside the `openers` brackets (`(` `[` `{`), and
    whether the brackets balance (no closer before its opener, none left open)."""
    closers = "".join({"(": ")", "[": "]", "{": "}"}[char] for char in openers)
    pieces, depth, start, balanced = [], 0, 0, True
    for index, char in enumerate(text):
        if char in openers:
            depth += 1
        elif char in closers:
            depth -= 1
            balanced = balanced and depth >= 0
        elif char == "," and depth == 0:
            pieces.append(text[start:index])
            start = index + 1
    pieces.append(text[start:])
    return pieces, balanced and depth == 0


def _same_part(
    first: tuple[str, list[str], str], second: tuple[str, list[str], str], elements_match: ElementMatch
) -> bool | None:
    (open_a, items_a, close_a), (open_b, items_b, close_b) = first, second
    if (open_a, close_a) != (open_b, close_b) or len(items_a) != len(items_b):
        return False
    if open_a == "{":
        return _same_multiset(items_a, items_b, elements_match)
    verdicts = [_same_element(a, b, elements_match) for a, b in zip(items_a, items_b, strict=True)]
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _same_multiset(first: list[str], second: list[str], elements_match: ElementMatch) -> bool | None:
    """Every element of `first` paired with a distinct equal element of `second`."""
    unpaired = list(second)
    for element in first:
        verdicts = [_same_element(element, other, elements_match) for other in unpaired]
        if True in verdicts:
            unpaired.pop(verdicts.index(True))
        elif None in verdicts:
            return None
        else:
            return False
    return True


def _same_element(first: str, second: str, elements_match: ElementMatch) -> bool | None:
    infinite_first, infinite_second = _INFINITY.match(first.strip()), _INFINITY.match(second.strip())
    if infinite_first or infinite_second:
        if not (infinite_first and infinite_second):
            return False
        return (infinite_first[1] == "-") == (infinite_second[1] == "-")
    return elements_match(first, second)
