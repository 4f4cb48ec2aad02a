"""Model-independent text measures shared by the filters and the statistics.

Tokens here are words and single punctuation marks (`\\w+|[^\\w\\s]`): engine-neutral, and close
enough to BPE counts for length bounds and per-1K-token rates. The reflective words are the ones the
Vision-R1 paper counts to show that the cold-start set carries human-like self-questioning.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_TOKEN = re.compile(r"\w+|[^\w\s]")
REFLECTIVE_WORDS = ("wait", "alternatively", "hmm")
_REFLECTIVE = re.compile(r"\b(" + "|".join(REFLECTIVE_WORDS) + r")\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_LETTER = re.compile(r"[^\W\d_]")
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def reflective_counts(text: str) -> Counter[str]:
    return Counter(match.group(1).lower() for match in _REFLECTIVE.finditer(text))


def non_latin_share(text: str) -> float:
    """Share of letters outside the Latin and Greek scripts (Greek is common in maths: π, θ, Δ).
    Catches a reasoner drifting into another language mid-thought."""
    letters = len(_LETTER.findall(text))
    if not letters or text.isascii():
        return 0.0
    foreign = sum(
        1
        for char in _NON_ASCII_LETTER.findall(text)
        if not unicodedata.name(char, "").startswith(("LATIN", "GREEK", "MATHEMATICAL"))
    )
    return foreign / letters


def max_sentence_repeats(text: str) -> int:
    """How often the most repeated sentence (of at least 4 words) occurs: a degenerate loop detector."""
    sentences = [s.strip().lower() for s in _SENTENCE_END.split(text)]
    counts = Counter(s for s in sentences if len(s.split()) >= 4)
    return max(counts.values(), default=0)


def percentiles(values: list[int], points: tuple[int, ...] = (10, 50, 90, 99)) -> dict[str, float]:
    """Nearest-rank percentiles plus mean and max; empty input gives an empty dict."""
    if not values:
        return {}
    ordered = sorted(values)
    result = {
        f"p{p}": float(ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))])
        for p in points
    }
    result["mean"] = sum(ordered) / len(ordered)
    result["max"] = float(ordered[-1])
    return result


def histogram(values: list[int], max_bins: int = 30) -> dict[str, list[float] | list[int]]:
    """Equal-width bins over [min, max] as `{edges, counts}` (len(edges) == len(counts) + 1).

    `stats.json` keeps bins rather than one length per sample so it stays small for paper-sized
    runs (200K samples) while the report can still draw the distribution. Empty input gives {}.
    """
    if not values:
        return {}
    low, high = min(values), max(values)
    bins = max(1, min(max_bins, high - low + 1))
    width = (high - low + 1) / bins  # token counts are integers: the last edge is max + 1
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - low) / width))] += 1
    edges = [low + index * width for index in range(bins)] + [float(high + 1)]
    return {"edges": edges, "counts": counts}
