"""`vision-r1 status RUN_DIR`: one table with every stage's status, progress, last metrics, outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

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
    step, data = None, {}
    for path in sorted((stage_dir / "metrics").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a kill: the next launch rewrites that step anyway
            is_step = isinstance(entry, dict) and isinstance(entry.get("step"), int)
            if is_step and (step is None or entry["step"] >= step):
                step, data = entry["step"], entry.get("data", {})
    return step, data


def _progress(record_config: dict[str, Any], step: int | None) -> str:
    total = (record_config.get("stage") or {}).get("steps")
    done = "-" if step is None else str(step)
    return f"{done}/{total}" if total else done


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
        table.add_row(
            name,
            record.kind,
            status,
            _progress(record.config, step),
            shown or "-",
            "\n".join(f"{key}: {_short(value, run_dir)}" for key, value in record.outputs.items()) or "-",
        )
    return table
