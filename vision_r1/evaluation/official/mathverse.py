"""MathVerse's scoring rules (`evaluation/score_answer_s2.py` and its judge prompt).

The official pipeline has GPT extract the answer, then asks GPT whether the extracted answer and
the standard answer are consistent, under the rules its prompt states; the rule extraction stands
in for the first step and these rules are applied as written:
- an extracted answer identical to the standard answer is consistent (the scorer's quick match);
- multiple choice: consistent only when it names the standard option, by letter or by the
  option's text as listed in `question_for_eval` (so "This is not a function" is option B), and
  names no other option;
- free form: consistent when the meaning is the same, units included: `0.5 m` and `50 cm` are
  the same length, `60°` and `\\frac{\\pi}{3}` the same angle; otherwise the values must agree.
The headline ("All") leaves out the Text Only version, as the paper does.
"""

from __future__ import annotations

import math
import re

from vision_r1.evaluation.items import EvalItem
from vision_r1.rewards.arithmetic import constant_value
from vision_r1.rewards.math import answers_match
from vision_r1.rewards.numbers import clean_math_text

# Length, mass and time units (singular; a plural `s` is read off) in a base unit of their dimension.
_UNITS = {
    "mm": ("length", 1e-3),
    "cm": ("length", 1e-2),
    "dm": ("length", 1e-1),
    "m": ("length", 1.0),
    "km": ("length", 1e3),
    "millimeter": ("length", 1e-3),
    "centimeter": ("length", 1e-2),
    "meter": ("length", 1.0),
    "kilometer": ("length", 1e3),
    "mg": ("mass", 1e-3),
    "g": ("mass", 1.0),
    "kg": ("mass", 1e3),
    "s": ("time", 1.0),
    "min": ("time", 60.0),
    "h": ("time", 3600.0),
    "second": ("time", 1.0),
    "minute": ("time", 60.0),
    "hour": ("time", 3600.0),
}
_QUANTITY = re.compile(
    r"^(?P<number>.+?)\s*(?P<prefix>square\s+|cubic\s+)?(?P<unit>[a-z]+?)s?"
    r"(?:\s*\^\s*\{?\s*(?P<power>[23])\s*\}?|(?P<sup>[²³]))?\s*$"
)
_DEGREES = re.compile(r"^(?P<number>.+?)\s*(?:°|\^\s*\{?\s*\\circ\s*\}?|degrees?)\s*$")


def mathverse_official(item: EvalItem, response: str, extracted: str | None) -> tuple[bool, str | None]:
    if extracted is None:
        return False, None
    if extracted == item.answer:
        return True, extracted
    if answers_match(extracted, item.answer, item.choices):
        return True, extracted
    multi_choice = str(item.extra_info.get("question_type") or "").startswith("multi")
    return (not multi_choice and same_quantity(extracted, item.answer)), extracted


def same_quantity(first: str, second: str) -> bool:
    """Two measurements of one quantity in different units (lengths, areas, masses, times, angles)."""
    a, b = _quantity(first), _quantity(second)
    if a is None or b is None or a[1] != b[1]:
        return False
    return math.isclose(a[0], b[0], rel_tol=1e-4, abs_tol=1e-9)


def _quantity(text: str) -> tuple[float, tuple[str, int]] | None:
    """(value in base units, (dimension, power)); an angle is in radians, π marking a bare one."""
    text = clean_math_text(text).strip().rstrip(".")
    degrees = _DEGREES.match(text)
    if degrees:
        value = constant_value(degrees["number"])
        return None if value is None else (math.radians(value), ("angle", 1))
    if "\\pi" in text or "π" in text:
        value = constant_value(text)
        return None if value is None else (value, ("angle", 1))
    match = _QUANTITY.match(text.lower())
    if match is None or match["unit"] not in _UNITS:
        return None
    value = constant_value(match["number"])
    if value is None:
        return None
    dimension, scale = _UNITS[match["unit"]]
    power = {"square": 2, "cubic": 3}.get((match["prefix"] or "").strip(), 1)
    power = int(match["power"]) if match["power"] else {"²": 2, "³": 3}.get(match["sup"] or "", power)
    return value * scale**power, (dimension, power)
