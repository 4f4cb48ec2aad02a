"""Benchmark figures from the per-sample records: both scores (overall and per category), format
compliance, answer-extraction rate and response length in generated tokens.

Everything is recomputed from `results.jsonl`, so a resumed run reports exactly what a single
uninterrupted run would. Accuracies are percentages with one decimal, as in the paper's tables.
With n samples per item the accuracy is mean@n (each item's share of correct samples, averaged
over items) and pass@n (the share of items with at least one correct sample) is added. The
headline leaves out the items a benchmark's own "All" leaves out (MathVerse's Text Only); the
per-category tables show every item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

PERCENTILES = (50, 90, 99)


def percent(part: float, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def length_stats(lengths: list[int]) -> dict[str, float]:
    """Mean, percentiles and max of response lengths (tokens); zeros for an empty list."""
    if not lengths:
        return {"mean": 0.0, **{f"p{p}": 0.0 for p in PERCENTILES}, "max": 0}
    values = np.asarray(lengths, dtype=float)
    stats: dict[str, float] = {"mean": round(float(values.mean()), 1)}
    stats.update({f"p{p}": round(float(np.percentile(values, p)), 1) for p in PERCENTILES})
    stats["max"] = int(values.max())
    return stats


def _known_rate(flags: list[bool | None]) -> float | None:
    """Percent of True among the known flags; None when none is known (responses made elsewhere)."""
    known = [flag for flag in flags if flag is not None]
    return percent(sum(known), len(known)) if known else None


def official_correct(record: dict[str, Any]) -> bool | None:
    """The official verdict of a record, None when its benchmark has no official rules."""
    official = record.get("official")
    return None if official is None else bool(official["correct"])


Verdict = Callable[[dict[str, Any]], bool]


def strict_verdict(record: dict[str, Any]) -> bool:
    return bool(record["correct"])


def official_verdict(record: dict[str, Any]) -> bool:
    return bool(official_correct(record))


def first_strict_verdict(record: dict[str, Any]) -> bool:
    """The strict verdict before any re-sampling replaced the first response."""
    return bool(record.get("first_attempt", record)["correct"])


def first_official_verdict(record: dict[str, Any]) -> bool:
    first = record.get("first_attempt")
    return official_verdict(record) if first is None else bool(first.get("official_correct"))


class _Items:
    """Records grouped by item, in first-seen order."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.samples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for position, record in enumerate(records):  # a record without an id is an item of its own
            self.samples[str(record.get("id", f"#{position}"))].append(record)
        self.has_official = bool(records) and all(official_correct(r) is not None for r in records)

    def categories(self, item_id: str) -> Mapping[str, list[str]]:
        return self.samples[item_id][0].get("categories") or {}

    def accuracy(self, ids: list[str], verdict: Verdict) -> tuple[float, float]:
        """(mean@n, pass@n) in percent over `ids` under one verdict."""
        mean = passed = 0.0
        for item_id in ids:
            verdicts = [verdict(record) for record in self.samples[item_id]]
            mean += sum(verdicts) / len(verdicts)
            passed += any(verdicts)
        return percent(mean, len(ids)), percent(passed, len(ids))

    def official(
        self, ids: list[str], verdict: Verdict = official_verdict
    ) -> tuple[float | None, float | None]:
        return self.accuracy(ids, verdict) if self.has_official else (None, None)


def in_headline(categories: Mapping[str, list[str]], excluded: Mapping[str, tuple[str, ...]]) -> bool:
    return not any(label in excluded.get(name, ()) for name, labels in categories.items() for label in labels)


def summarize(
    records: list[dict[str, Any]],
    retry: dict[str, Any] | None = None,
    headline_excludes: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """The summary of one benchmark's judged samples.

    `retry` describes the re-sampling rule in force (`{"rule", "max_retries"}`), if any;
    `headline_excludes` maps a category to the labels the headline leaves out.
    """
    items = _Items(records)
    ids = list(items.samples)
    excluded = headline_excludes or {}
    headline = [item_id for item_id in ids if in_headline(items.categories(item_id), excluded)]
    n = max((len(samples) for samples in items.samples.values()), default=1)
    strict_mean, strict_pass = items.accuracy(headline, strict_verdict)
    official_mean, official_pass = items.official(headline)
    total = len(records)
    summary: dict[str, Any] = {
        "items": len(ids),
        "samples_per_item": n,
        "accuracy": strict_mean,
        "official_accuracy": official_mean,
        "format_rate": percent(sum(bool(r["format_ok"]) for r in records), total),
        "extraction_rate": percent(sum(r["extracted"] is not None for r in records), total),
        "truncated_rate": _known_rate([r["truncated"] for r in records]),
        "mean_score": round(float(np.mean([r["score"] for r in records])), 4) if records else 0.0,
        "response_tokens": length_stats(
            [int(r["num_tokens"]) for r in records if r["num_tokens"] is not None]
        ),
        "by_category": by_category(items),
        "llm_extracted": sum(r.get("extracted_by") == "llm" for r in records),
    }
    if len(headline) != len(ids):
        summary["headline"] = {
            "items": len(headline),
            "excluded": {name: list(labels) for name, labels in excluded.items()},
        }
    if n > 1:
        summary["pass_at_n"] = {"strict": strict_pass, "official": official_pass}
    if retry:
        retried = [r for r in records if r["attempts"] > 1]
        summary["retry"] = {
            **retry,
            "samples_retried": len(retried),
            "extra_samples": sum(r["attempts"] - 1 for r in retried),
            "accuracy_first_attempt": items.accuracy(headline, first_strict_verdict)[0],
            "official_accuracy_first_attempt": items.official(headline, first_official_verdict)[0],
        }
    return summary


def by_category(items: _Items) -> dict[str, dict[str, dict[str, Any]]]:
    """`{breakdown: {label: {"n", "accuracy", "official_accuracy"}}}`, labels sorted by name."""
    members: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item_id in items.samples:
        for breakdown, labels in items.categories(item_id).items():
            for label in labels:
                members[breakdown][label].append(item_id)
    return {
        breakdown: {
            label: {
                "n": len(ids),
                "accuracy": items.accuracy(ids, strict_verdict)[0],
                "official_accuracy": items.official(ids)[0],
            }
            for label, ids in sorted(labels.items())
        }
        for breakdown, labels in members.items()
    }
