"""`vision-r1 status RUN_DIR`: one table with every stage's status, progress, last metrics, outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from stages.registry import declared_outputs
from stages.verl_launch import METRICS
from vision_r1.report.metrics_files import last_step
from vision_r1.run_state import RunState

# verl metric names (verl/trainer/ppo/metric_utils.py compute_data_metrics) shown in the table.
SHOWN_METRICS = {
    "critic/score/mean": "score",
    "response_length/mean": "resp len",
    "actor/kl_loss": "kl",
    "train/loss": "loss",
}


def last_metrics(stage_dir: Path) -> tuple[int | None, dict[str, Any]]:
    """The latest step and its metrics over all launch attempts' FileLogger files."""
    return last_step(stage_dir / METRICS)


def _progress(record_config: dict[str, Any], step: int | None) -> str:
    total = (record_config.get("stage") or {}).get("steps")
    done = "-" if step is None else str(step)
    return f"{done}/{total}" if total else done


def cold_start_cells(stage_dir: Path) -> tuple[str, str] | None:
    """(progress, note) for a cold-start stage from the stats.json its last run wrote: samples kept of
    the input and, when the run was incomplete, how many are not yet generated and how to finish."""
    path = Path(declared_outputs("cold_start", stage_dir)["stats"])
    try:
        stats = json.loads(path.read_text())
        kept, total = stats["funnel"]["kept"], stats["funnel"]["input"]
        missing = stats.get("outcomes", {}).get("not_yet_generated", 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not written yet (the first run is still going) or not ours
    note = (
        f"{missing} samples not yet generated (transient failures or an endpoint outage); "
        "`vision-r1 run` again resumes"
        if missing
        else ""
    )
    return f"kept {kept}/{total}" + (f", {missing} pending" if missing else ""), note


def _short(path: str, run_dir: Path) -> str:
    """Outputs inside the run directory are shown relative to it."""
    try:
        return str(Path(path).relative_to(run_dir.resolve()))
    except ValueError:
        return path


def status_table(run_dir: Path) -> Table:
    state = RunState.load(run_dir)
    table = Table(title=f"run {run_dir}")
    for column in ("stage", "kind", "status", "steps", "last metrics", "outputs"):
        table.add_column(column)
    colours = {"done": "green", "running": "yellow", "failed": "red", "interrupted": "magenta"}
    for name in state.order:
        record = state.stages[name]
        step, metrics = last_metrics(run_dir / name)
        shown = ", ".join(
            f"{label} {metrics[key]:.4g}"
            for key, label in SHOWN_METRICS.items()
            if isinstance(metrics.get(key), float | int)
        )
        status = f"[{colours.get(record.status, 'white')}]{record.status}[/]"
        if record.error and record.status != "done":
            status += f"\n{record.error.splitlines()[0][:80]}"
        progress = _progress(record.config, step)
        cold_start = cold_start_cells(run_dir / name) if record.kind == "cold_start" else None
        if cold_start is not None:
            progress = cold_start[0]
            status += f"\n{cold_start[1]}" if cold_start[1] else ""
        table.add_row(
            name,
            record.kind,
            status,
            progress,
            shown or "-",
            "\n".join(f"{key}: {_short(value, run_dir)}" for key, value in record.outputs.items()) or "-",
        )
    return table
