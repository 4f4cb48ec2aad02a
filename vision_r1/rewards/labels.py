"""Ground truths and class labels as text, shared by the answer, classification and mAP kinds."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

_IGNORED = re.compile(r"[\s_]+")
_EDGE_PUNCTUATION = "\"'`.。!"


def truth_texts(ground_truth: Any) -> list[str]:
    """Acceptable answers: a list (or numpy array) means any of them; a number is written plainly.

    A JSON string holding a string or a list of strings is decoded (`'["5", "five"]'`); any other
    string is one answer even if it looks like JSON: `[1, 2]` is an interval or a pair.
    """
    if isinstance(ground_truth, str) and ground_truth[:1] in '["' and ground_truth[-1:] in ']"':
        decoded = _json_strings(ground_truth)
        if decoded is not None:
            return decoded
    if hasattr(ground_truth, "tolist"):
        ground_truth = ground_truth.tolist()
    if isinstance(ground_truth, list | tuple):
        return [text for item in ground_truth for text in truth_texts(item)]
    if isinstance(ground_truth, float) and ground_truth.is_integer():
        return [str(int(ground_truth))]
    return [str(ground_truth)]


def normalize_label(text: str) -> str:
    """Case, spaces, underscores and edge punctuation do not matter: `Boeing_737 800.` == `boeing737800`."""
    text = unicodedata.normalize("NFKC", text).casefold().strip().strip(_EDGE_PUNCTUATION)
    return _IGNORED.sub("", text)


def _json_strings(text: str) -> list[str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return value
    return None
