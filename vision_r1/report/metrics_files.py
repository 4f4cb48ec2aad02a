"""Read a stage's training metrics: verl FileLogger JSONL files, one per launch attempt.

Each line is `{"step": N, "data": {"metric/name": value, ...}}`. A resumed stage starts a new file
and re-logs the steps after its last checkpoint, so files are read in natural name order
(`attempt-2` before `attempt-10`) and a later file's value for a step replaces an earlier one. A run
killed mid-write leaves a torn last line, which is skipped; so are non-numeric values (verl logs a
few strings and tables).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

MetricSeries = dict[str, list[tuple[int, float]]]


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def metric_files(directory: Path) -> list[Path]:
    return sorted((p for p in directory.glob("*.jsonl") if p.is_file()), key=_natural_key)


def read_metrics(directory: Path) -> MetricSeries:
    """`{metric: [(step, value), ...]}` sorted by step, merged over every file in `directory`."""
    by_metric: dict[str, dict[int, float]] = {}
    for path in metric_files(directory):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            entry = _parse(line)
            if entry is None:
                continue
            step, data = entry
            for key, value in data.items():
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    continue
                by_metric.setdefault(key, {})[step] = float(value)
    return {key: sorted(points.items()) for key, points in sorted(by_metric.items())}


def last_step(directory: Path) -> tuple[int | None, dict]:
    """The latest step over every file in `directory` and its metrics, as logged (None, {}: none yet)."""
    step, data = None, {}
    for path in metric_files(directory):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            entry = _parse(line)
            if entry is not None and (step is None or entry[0] >= step):
                step, data = entry
    return step, data


def _parse(line: str) -> tuple[int, dict] | None:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
        return None
    step = entry.get("step")
    if isinstance(step, bool) or not isinstance(step, int | float):
        return None
    return int(step), entry["data"]
