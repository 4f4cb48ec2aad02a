"""Benchmark figures from the per-item records: accuracy (overall and per category), format
compliance, answer-extraction rate and response length in generated tokens.

Everything is recomputed from `results.jsonl`, so a resumed run reports exactly what a single
uninterrupted run would. Accuracies are percentages with one decimal, as in the paper's tables.
"""

from __future__ import annotations

from collections import defaultdict
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


def by_category(records: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """`{breakdown: {label: {"n": count, "accuracy": percent}}}`, labels sorted by name."""
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for record in records:
        for breakdown, labels in (record.get("categories") or {}).items():
            for label in labels:
                cell = counts[breakdown][label]
                cell[0] += 1
                cell[1] += bool(record["correct"])
    return {
        breakdown: {
            label: {"n": n, "accuracy": percent(right, n)} for label, (n, right) in sorted(labels.items())
        }
        for breakdown, labels in counts.items()
    }


def summarize(records: list[dict[str, Any]], format_retries: int = 0) -> dict[str, Any]:
    """The summary of one benchmark's judged items."""
    total = len(records)
    summary: dict[str, Any] = {
        "items": total,
        "accuracy": percent(sum(bool(r["correct"]) for r in records), total),
        "format_rate": percent(sum(bool(r["format_ok"]) for r in records), total),
        "extraction_rate": percent(sum(r["extracted"] is not None for r in records), total),
        "truncated_rate": percent(sum(bool(r["truncated"]) for r in records), total),
        "mean_score": round(float(np.mean([r["score"] for r in records])), 4) if records else 0.0,
        "response_tokens": length_stats([int(r["num_tokens"]) for r in records]),
        "by_category": by_category(records),
        "llm_extracted": sum(r.get("extracted_by") == "llm" for r in records),
    }
    if format_retries:
        retried = [r for r in records if r["attempts"] > 1]
        first_correct = sum(bool(r.get("first_attempt", r)["correct"]) for r in records)
        summary["format_retry"] = {
            "max_retries": format_retries,
            "items_retried": len(retried),
            "extra_samples": sum(r["attempts"] - 1 for r in retried),
            "accuracy_first_attempt": percent(first_correct, total),
        }
    return summary
