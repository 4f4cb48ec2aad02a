"""MathVista's scoring rules (`evaluation/extract_answer.py`, `evaluation/calculate_score.py`).

Extraction: an empty response gives an empty answer; a response that is exactly one of the
options, or parses whole as the integer / float the question asks for, is its own answer; for
anything else the official pipeline asks GPT, and the rule extraction stands in (a decorated
number such as `1.2 cm` is read as its number, which is what the GPT prompt extracts).

Normalization of the extracted answer, by question type:
- multi-choice: a letter in parentheses (`(B) ...`) is taken as the letter; a letter names its
  option; any other text becomes the option with the smallest edit distance (first on ties), so
  every multi-choice question gets some option, even from an empty answer;
- integer: `int(float(x))`, truncating (`7.9` -> `7`); unreadable -> no answer;
- float: `round(float(x), precision)` written back as text (`1.45` at precision 1 -> `1.4`);
- list: the text as it is.
Then the normalized answer must equal the ground truth string exactly.
"""

from __future__ import annotations

import re

from vision_r1.evaluation.items import EvalItem
from vision_r1.rewards.numbers import parse_number

_PAREN_LETTER = re.compile(r"\(([a-zA-Z])\)")


def mathvista_official(item: EvalItem, response: str, extracted: str | None) -> tuple[bool, str | None]:
    info = item.extra_info
    extraction = _extraction(
        response, extracted, item.choices, info.get("question_type"), info.get("answer_type")
    )
    prediction = normalize_extraction(
        extraction, item.choices, info.get("question_type"), info.get("answer_type"), info.get("precision")
    )
    return prediction == item.answer, prediction


def _extraction(
    response: str,
    extracted: str | None,
    choices: list[str] | None,
    question_type: str | None,
    answer_type: str | None,
) -> str:
    if response == "":
        return ""
    if question_type == "multi_choice" and choices and response in choices:
        return response
    if answer_type == "integer" and _as_int_text(response) is not None:
        return str(int(response.strip()))
    if answer_type == "float" and _as_float(response) is not None:
        return str(float(response))
    if extracted is None:
        return ""
    if answer_type in ("integer", "float") and _as_float(extracted) is None:
        number = parse_number(extracted)
        if number is not None and number.decimals is not None:
            return repr(number.value) if number.decimals else str(int(number.value))
    return extracted


def normalize_extraction(
    extraction: str,
    choices: list[str] | None,
    question_type: str | None,
    answer_type: str | None,
    precision: int | None,
) -> str | None:
    """The extracted answer in the ground truth's form, or None when it cannot be read as that."""
    if question_type == "multi_choice":
        text = extraction.strip()
        letters = _PAREN_LETTER.findall(text)
        if letters:
            text = letters[0].upper()
        options = choices or []
        labels = [chr(ord("A") + index) for index in range(len(options))]
        if text in labels:
            return options[labels.index(text)]
        return closest_option(text, options) if options else None
    if answer_type == "integer":
        value = _as_float(extraction)
        return None if value is None else str(int(value))
    if answer_type == "float":
        value = _as_float(extraction)
        return None if value is None else str(round(value, precision))
    return extraction


def closest_option(text: str, options: list[str]) -> str:
    """The option with the smallest Levenshtein distance to `text`; the first one on ties."""
    distances = [edit_distance(text, option) for option in options]
    return options[distances.index(min(distances))]


def edit_distance(first: str, second: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions cost 1), bit-parallel.

    Myers' bit-vector algorithm over the shorter string: one pass over the longer one with a few
    integer operations per character, so a long extracted answer against short options stays cheap.
    """
    text, pattern = (first, second) if len(first) >= len(second) else (second, first)
    if not pattern:
        return len(text)
    masks: dict[str, int] = {}
    for index, char in enumerate(pattern):
        masks[char] = masks.get(char, 0) | (1 << index)
    full = (1 << len(pattern)) - 1
    last = 1 << (len(pattern) - 1)
    positive, negative, distance = full, 0, len(pattern)
    for char in text:
        match = masks.get(char, 0)
        vertical = match | negative
        horizontal = (((match & positive) + positive) ^ positive) | match
        up = (negative | ~(horizontal | positive)) & full
        down = positive & horizontal
        if up & last:
            distance += 1
        elif down & last:
            distance -= 1
        up = ((up << 1) | 1) & full
        down = (down << 1) & full
        positive = (down | ~(vertical | up)) & full
        negative = up & vertical
    return distance


def _as_float(text: str) -> float | None:
    """`float(text)` as Python reads it (surrounding spaces, `1e3`, `inf`), or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _as_int_text(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
