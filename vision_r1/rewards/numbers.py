"""Read a final answer as a number, tolerating how people and models decorate numbers.

Handles units (`3 cm`, `12 square units`, `5 m^2`), percent (`50%`, `50\\%`), degrees (`30°`,
`30^\\circ`), thousands separators (`1,234`), LaTeX and slash fractions (`\\frac{1}{2}`, `-3/4`),
leading assignments (`x = 5`), unicode digits and the unicode minus. Anything else is not a
number: the caller then falls back to symbolic comparison.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

_UNSIGNED = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_SIGNED = rf"[-+]?{_UNSIGNED}"
_UNIT_WORDS = (
    "mm|cm|dm|km|m|in|inch|inches|ft|feet|foot|yd|yards?|mi|miles?|meters?|metres?|centimeters?|"
    "millimeters?|kilometers?|mg|kg|g|grams?|kilograms?|lbs?|pounds?|oz|ounces?|tons?|"
    "s|sec|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?|"
    "ml|l|liters?|litres?|cc|gallons?|rad|radians?|units?|dollars?|cents?|yuan|points?|"
    "times|people|persons?|mph|km/h|m/s"
)
_POWER = r"(?:\s*(?:\^\s*\{?\s*[23]\s*\}?|[23]))?"
_UNIT = rf"(?:(?:square|sq\.?|cubic|cu\.?)\s+)?(?:{_UNIT_WORDS}){_POWER}"
_PERCENT = r"(?:\\?%|percent)"
_DEGREE = r"(?:°|\^\s*\{?\s*\\circ\s*\}?|degrees?|deg)"
_SUFFIX = re.compile(rf"\s*(?:(?P<percent>{_PERCENT})|{_DEGREE}|{_UNIT})?\s*\.?\s*$", re.IGNORECASE)

_DECIMAL = re.compile(rf"(?P<num>{_SIGNED})")
_LATEX_FRACTION = re.compile(
    rf"(?P<sign>[-+]?)\s*\\[dt]?frac\s*\{{\s*(?P<top>{_UNSIGNED})\s*\}}\s*\{{\s*(?P<bottom>{_UNSIGNED})\s*\}}"
)
_SLASH_FRACTION = re.compile(rf"(?P<top>{_SIGNED})\s*/\s*(?P<bottom>{_UNSIGNED})")
_LEADING = re.compile(
    r"^\s*(?:[A-Za-z]\w{0,12}\s*=|=|≈|~|approximately\b|approx\.?|about\b)\s*", re.IGNORECASE
)
_WRAPPED = re.compile(r"\\(?:text|mathrm|textrm|mathbf|textbf|operatorname)\s*\{([^{}]*)\}")
_LATEX_SPACING = re.compile(r"\\[,;:! ]|\\(?:left|right|displaystyle)\b|\{,\}")
_MAX_NUMBER_TEXT = 200


@dataclass(frozen=True)
class ParsedNumber:
    """A number as written: its value and what the writing tells about how to compare it."""

    value: float
    percent: bool
    decimals: int | None  # digits after the decimal point; None for fractions
    is_integer: bool  # written as a plain integer literal: compared exactly


def clean_math_text(text: str) -> str:
    """Unicode- and LaTeX-light normalization shared by number parsing and string comparison."""
    text = unicodedata.normalize("NFKC", text).replace("−", "-").replace("\\$", "$")
    text = _WRAPPED.sub(r"\1", text)
    text = _LATEX_SPACING.sub("", text)
    text = text.strip()
    while len(text) >= 2 and text[0] == "$" and text[-1] == "$":
        text = text[1:-1].strip()
    if text[:2] in ("\\(", "\\[") and text[-2:] == {"\\(": "\\)", "\\[": "\\]"}[text[:2]]:
        text = text[2:-2].strip()
    return text


def parse_number(text: str) -> ParsedNumber | None:
    """The number `text` states, or None if it states anything more than one decorated number."""
    if len(text) > _MAX_NUMBER_TEXT:
        return None
    text = clean_math_text(text)
    text = _LEADING.sub("", text, count=1).lstrip("$").strip()
    for pattern in (_LATEX_FRACTION, _SLASH_FRACTION, _DECIMAL):
        match = pattern.match(text)
        if match is None:
            continue
        suffix = _SUFFIX.fullmatch(text, match.end())
        if suffix is None:
            continue
        number = _number_from_match(match)
        if number is None:
            return None
        value, decimals, is_integer = number
        return ParsedNumber(value, suffix.group("percent") is not None, decimals, is_integer)
    return None


def _number_from_match(match: re.Match[str]) -> tuple[float, int | None, bool] | None:
    groups = match.groupdict()
    if "num" in groups:
        literal = groups["num"].replace(",", "")
        value = float(literal)
        mantissa = literal.lower().split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        is_integer = decimals == 0 and "e" not in literal.lower()
        return (value, decimals, is_integer) if math.isfinite(value) else None
    bottom = float(groups["bottom"].replace(",", ""))
    if bottom == 0:
        return None
    value = float(groups["top"].replace(",", "")) / bottom
    if groups.get("sign") == "-":
        value = -value
    return (value, None, False) if math.isfinite(value) else None


def numbers_match(predicted: ParsedNumber, truth: ParsedNumber) -> bool:
    """Equal within tolerance, under a percent-vs-fraction reading, or by rounding to the truth's precision.

    Integers written as integers must be equal exactly (a count of 1000050 is not 1000000). A
    prediction written more precisely than a truth with 2+ decimals matches when it rounds to it
    (3.1416 for 3.14); a one-decimal truth is not widened that way (0.53 is not 0.5). Likewise a
    prediction with 2+ decimals matches an exact truth (a fraction or constant) it is a rounding of
    (0.333 for 1/3, 6.28 for 2\\pi), and a one-decimal one does not (0.3 is not 1/3).
    """
    # A decimal literal is a rounded value and gets a relative 1e-4; exact forms (integers,
    # fractions, constant expressions such as \\sqrt{2}) must agree to float noise.
    tolerance = 1e-4 if predicted.decimals or truth.decimals else 1e-9
    pairs = [(predicted.value, truth.value)]
    if predicted.percent and not truth.percent:
        pairs.append((predicted.value / 100, truth.value))
    elif truth.percent and not predicted.percent:
        pairs.append((predicted.value, truth.value / 100))
    for pred_value, true_value in pairs:
        if predicted.is_integer and truth.is_integer:
            if pred_value == true_value:
                return True
            continue
        if math.isclose(pred_value, true_value, rel_tol=tolerance, abs_tol=1e-12):
            return True
        rounds_to_truth = (
            truth.decimals is not None
            and truth.decimals >= 2
            and (predicted.decimals is None or predicted.decimals > truth.decimals)
            and abs(pred_value - true_value) <= 0.5 * 10.0 ** (-truth.decimals) * (1 + 1e-9)
        )
        rounds_exact_truth = (
            truth.decimals is None
            and predicted.decimals is not None
            and predicted.decimals >= 2
            and abs(pred_value - true_value) <= 0.5 * 10.0 ** (-predicted.decimals) * (1 + 1e-9)
        )
        if rounds_to_truth or rounds_exact_truth:
            return True
    return False
