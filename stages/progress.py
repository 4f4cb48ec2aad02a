"""Where a running stage stands, read from the files its processes write (never from their output).

The terminal's live line and each stage's one-line result come from here: verl's per-step metrics
file for training stages, the request journal for the cold start, the results files for evaluation.
Every reader tolerates a file that is being written (a half-written last line is skipped) or not
there yet; they only read, so polling them cannot disturb a stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.subprocess_stage import partial_path
from stages.verl_launch import METRICS, MODEL, TRAINING_DONE
from vision_r1.evaluation.results import RESULTS_FILE
from vision_r1.report.metrics_files import last_step


@dataclass
class Progress:
    """A stage's position: `done` of `total` units (either may be unknown), or a phase name."""

    done: int | None = None
    total: int | None = None
    unit: str = "step"
    details: list[str] = field(default_factory=list)
    phase: str | None = None  # what runs when no count applies ("starting ...", "merging ...")
    seconds_per_unit: float | None = None  # the stage's own timing, when it reports one


def _number(metrics: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        value = metrics.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def training_progress(stage_dir: Path, total: int | None, starting: str, grpo: bool) -> Progress:
    """verl's metrics (all launch attempts): step, reward and response length (GRPO) or loss (SFT)."""
    if partial_path(stage_dir / MODEL).exists() or (stage_dir / TRAINING_DONE).exists():
        return Progress(phase="merging the last checkpoint into model/")
    step, metrics = last_step(stage_dir / METRICS)
    if step is None:
        return Progress(total=total, phase=starting)
    return Progress(
        step,
        total,
        details=_training_details(metrics, grpo),
        seconds_per_unit=_number(metrics, "timing_s/step"),
    )


def training_summary(stage_dir: Path, grpo: bool) -> str:
    """`2 steps, reward 0.062, resp len 30` from the last logged step."""
    step, metrics = last_step(stage_dir / METRICS)
    if step is None:
        return "no steps logged"
    return ", ".join([f"{step} steps", *_training_details(metrics, grpo)])


def _training_details(metrics: dict[str, Any], grpo: bool) -> list[str]:
    if not grpo:
        loss = _number(metrics, "train/loss")
        return [] if loss is None else [f"loss {loss:.4g}"]
    details = []
    reward = _number(metrics, "critic/score/mean", "critic/rewards/mean")
    length = _number(metrics, "response_length/mean")
    if reward is not None:
        details.append(f"reward {reward:.3f}")
    if length is not None:
        details.append(f"resp len {length:.0f}")
    return details


def _jsonl_records(path: Path) -> list[dict[str, Any]]:
    """Complete JSON lines of a file another process appends to (the torn last line is skipped)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return []
    records = []
    for line in text.rpartition("\n")[0].splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def parquet_rows(path: str | None) -> int | None:
    if not path or not path.endswith(".parquet"):
        return None
    try:
        import pyarrow.parquet as pq

        return pq.read_metadata(path).num_rows
    except (OSError, ValueError):
        return None


def cold_start_progress(work_dir: Path, samples: int | None) -> Progress:
    """Requests finished (journal), permanent failures, and samples kept once the set is assembled."""
    from data_pipeline.steps import STEP_NAMES

    stats = _read_json(work_dir / "stats.json")
    if stats is not None:
        funnel = stats.get("funnel", {})
        return Progress(phase=f"kept {funnel.get('kept')}/{funnel.get('input')} samples")
    records = _jsonl_records(work_dir / "journal.jsonl")
    failures = sum(1 for r in records if not r.get("ok") and not r.get("transient"))
    total = samples * len(STEP_NAMES) if samples else None
    return Progress(len(records), total, unit="request", details=[f"{failures} failures"])


def eval_progress(stage_dir: Path, items: int | None) -> Progress:
    """Judged samples over every benchmark's results file."""
    done = sum(len(_jsonl_records(path)) for path in stage_dir.glob(f"*/{RESULTS_FILE}"))
    return Progress(done, items, unit="item")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def cold_start_summary(work_dir: Path) -> str:
    stats = _read_json(work_dir / "stats.json") or {}
    outcomes = stats.get("outcomes", {})
    funnel = stats.get("funnel", {})
    requests = stats.get("requests", {})
    sent = sum(step.get("new", 0) for step in requests.values() if isinstance(step, dict))
    return (
        f"kept {funnel.get('kept', '?')}/{funnel.get('input', '?')} samples "
        f"({outcomes.get('failed_generation', 0)} failed, {outcomes.get('lost_to_filters', 0)} filtered), "
        f"{sent} requests"
    )


def eval_summary(summary_path: Path) -> str:
    summary = _read_json(summary_path) or {}
    parts = []
    for name, result in summary.get("benchmarks", {}).items():
        official = result.get("official_accuracy")
        scores = f"strict {result.get('accuracy', 0.0):.3f}"
        if official is not None:
            scores = f"official {official:.3f}, {scores}"
        parts.append(f"{name} {scores} ({result.get('items')} items)")
    return "; ".join(parts) or "no benchmark results"
