"""Everything the report shows, read defensively from a run directory.

A report is most wanted when a run went wrong, so nothing here may fail on a partial run: a
missing or malformed `state.json`, a stage without metrics, a torn JSONL line or a missing
`stats.json` each become a note in the report and the section is left out.

Read from `RUN_DIR`:
- `state.json`: `{"recipe": {...}, "stages": {name: {"kind", "status", "started_at", "finished_at",
  "outputs"}}, "order": [name, ...]}`; without it, stages are the sub-folders, kinds guessed from
  their contents;
- `<stage>/metrics/*.jsonl`: verl FileLogger lines (see `metrics_files`);
- `<stage>/stats.json`: cold-start statistics;
- `<stage>/summary.json`: an evaluation summary written by `run_evaluation`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vision_r1.report.metrics_files import MetricSeries, read_metrics


@dataclass
class StageData:
    name: str
    kind: str
    status: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    metrics: MetricSeries = field(default_factory=dict)
    cold_start_stats: dict[str, Any] | None = None
    eval_summary: dict[str, Any] | None = None

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        try:
            return (self.finished_at - self.started_at).total_seconds()
        except TypeError:  # one time carries a zone, the other does not
            return None


@dataclass
class RunData:
    run_dir: Path
    name: str
    recipe: dict[str, Any] | None
    stages: list[StageData]
    notes: list[str]

    def of_kind(self, kind: str) -> list[StageData]:
        return [stage for stage in self.stages if stage.kind == kind]


def load_run(run_dir: str | Path) -> RunData:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    notes: list[str] = []
    state = _read_json(run_dir / "state.json", notes, "stage statuses, timings and the recipe are unknown")
    stage_entries = _stage_entries(run_dir, state, notes)
    stages = [_load_stage(run_dir, name, entry, notes) for name, entry in stage_entries]
    recipe = state.get("recipe") if state and isinstance(state.get("recipe"), dict) else None
    if state is not None and recipe is None:
        notes.append("state.json has no resolved recipe.")
    name = str((recipe or {}).get("name") or run_dir.resolve().name)
    return RunData(run_dir=run_dir, name=name, recipe=recipe, stages=stages, notes=notes)


def _read_json(path: Path, notes: list[str], consequence: str) -> dict[str, Any] | None:
    if not path.is_file():
        notes.append(f"{path.name} not found in {path.parent}: {consequence}.")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        notes.append(f"{path} is not valid JSON ({error}): {consequence}.")
        return None
    if not isinstance(data, dict):
        notes.append(f"{path} is not a JSON object: {consequence}.")
        return None
    return data


def _stage_entries(run_dir: Path, state: dict[str, Any] | None, notes: list[str]) -> list[tuple[str, dict]]:
    stages = state.get("stages") if state else None
    if not isinstance(stages, dict):
        if state is not None:
            notes.append("state.json has no 'stages' mapping: stages are read from the run folder.")
        return [(p.name, {}) for p in sorted(run_dir.iterdir()) if p.is_dir() and _looks_like_stage(p)]
    order = state.get("order") if isinstance(state.get("order"), list) else list(stages)
    missing = [name for name in stages if name not in order]
    return [
        (str(name), stages.get(name) or {})
        for name in [*order, *missing]
        if isinstance(stages.get(name), dict)
    ]


def _looks_like_stage(directory: Path) -> bool:
    return any((directory / name).exists() for name in ("metrics", "stats.json", "summary.json", "log.txt"))


def _load_stage(run_dir: Path, name: str, entry: dict[str, Any], notes: list[str]) -> StageData:
    directory = run_dir / name
    outputs = entry.get("outputs") if isinstance(entry.get("outputs"), dict) else {}
    stage = StageData(
        name=name,
        kind=str(entry.get("kind") or ""),
        status=entry.get("status"),
        started_at=_time(entry.get("started_at"), name, "started_at", notes),
        finished_at=_time(entry.get("finished_at"), name, "finished_at", notes),
        outputs=outputs,
    )
    if (directory / "metrics").is_dir():
        stage.metrics = read_metrics(directory / "metrics")
    stats_path = _declared(outputs, "stats", directory / "stats.json")
    if stats_path.is_file():
        stage.cold_start_stats = _read_json(stats_path, notes, f"stage {name}'s funnel is left out")
    summary_path = _declared(outputs, "summary", directory / "summary.json")
    if summary_path.is_file():
        summary = _read_json(summary_path, notes, f"stage {name}'s results are left out")
        stage.eval_summary = summary if summary and isinstance(summary.get("benchmarks"), dict) else None
    if not stage.kind:
        stage.kind = _guess_kind(stage)
    if stage.kind in ("sft", "grpo") and not stage.metrics and stage.status != "pending":
        notes.append(f"stage {name}: no training metrics in {directory / 'metrics'}.")
    return stage


def _declared(outputs: dict[str, Any], key: str, default: Path) -> Path:
    """A stage's output as state.json records it (the runner's layout), else the conventional place."""
    value = outputs.get(key)
    return Path(value) if isinstance(value, str) else default


def _guess_kind(stage: StageData) -> str:
    if stage.eval_summary is not None:
        return "eval"
    if stage.cold_start_stats is not None:
        return "cold_start"
    if any(key.startswith(("critic/", "actor/")) for key in stage.metrics):
        return "grpo"
    return "sft" if stage.metrics else "unknown"


def _time(value: Any, stage: str, field_name: str, notes: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        notes.append(f"stage {stage}: {field_name} {value!r} is not an ISO time.")
        return None
