"""`build_report`: turn a run directory into `report.html` (self-contained), its PNGs and `summary.md`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vision_r1.evaluation.table import column_title, markdown_table, table_lines, table_row
from vision_r1.report import plots
from vision_r1.report.learning import WINDOW, learning_figure
from vision_r1.report.run_data import RunData, StageData, load_run

TRAINING_KINDS = ("sft", "grpo")


@dataclass(frozen=True)
class Picture:
    file_name: str
    title: str
    png: bytes
    caption: str = ""


def build_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report for `run_dir`; `out` defaults to `RUN_DIR/report/report.html`.

    The PNGs and `summary.md` are written next to the HTML file. Returns the HTML path.
    """
    from vision_r1.report.page import render_page

    run = load_run(run_dir)
    html_path = Path(out) if out else Path(run_dir) / "report" / "report.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    pictures = draw_pictures(run)
    for picture in pictures:
        (html_path.parent / picture.file_name).write_bytes(picture.png)
    context = {
        "run": run,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "stage_rows": stage_rows(run),
        "eval": eval_tables(run),
        "pictures": pictures,
        "stats": [(s.name, s.cold_start_stats) for s in run.stages if s.cold_start_stats is not None],
    }
    html_path.write_text(render_page(context), encoding="utf-8")
    (html_path.parent / "summary.md").write_text(summary_markdown(context), encoding="utf-8")
    return html_path


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "stage"


def draw_pictures(run: RunData) -> list[Picture]:
    pictures = []
    learning = learning_figure(run)
    if learning:
        pictures.append(
            Picture(
                "learning.png",
                "Learning",
                learning,
                "Left: share of each evaluation's held-out responses in the exact think/answer format. "
                "Right: mean training reward per step of each GRPO stage; a control stage "
                "(negate_reward) trains on minus the reward and is drawn un-negated, so it should fall. "
                f"Legend: mean of the first and last {WINDOW} steps.",
            )
        )
    grpo = run.of_kind("grpo")
    across = plots.length_across_stages(grpo, length_caps(run.recipe))
    if across:
        pictures.append(
            Picture(
                "response-length.png",
                "Response length across GRPO stages",
                across,
                "Mean response length of each GRPO stage, stages chained on one step axis (dotted lines: stage "
                "starts; dashed: the stage's max response length, when the recipe states it).",
            )
        )
    for stage in run.stages:
        if stage.metrics:
            png = plots.stage_curves(stage)
            if png:
                pictures.append(
                    Picture(f"stage-{_slug(stage.name)}.png", f"Training curves: {stage.name}", png)
                )
        if stage.cold_start_stats:
            png = plots.cold_start_figure(stage.cold_start_stats)
            if png:
                pictures.append(
                    Picture(f"cold-start-{_slug(stage.name)}.png", f"Cold start: {stage.name}", png)
                )
            else:
                run.notes.append(f"stage {stage.name}: stats.json has no funnel or lengths in a known shape.")
    return pictures


def length_caps(recipe: dict[str, Any] | None) -> dict[str, float]:
    """`{stage: max_response_length}` from the recipe's stage list, where stated."""
    stages = (recipe or {}).get("stages")
    caps = {}
    for stage in stages if isinstance(stages, list) else []:
        if isinstance(stage, dict) and isinstance(stage.get("max_response_length"), int | float):
            caps[str(stage.get("name"))] = float(stage["max_response_length"])
    return caps


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def stage_rows(run: RunData) -> list[dict[str, str]]:
    rows = []
    for stage in run.stages:
        rows.append(
            {
                "name": stage.name,
                "kind": stage.kind,
                "status": stage.status or "-",
                "started": _time(stage.started_at),
                "finished": _time(stage.finished_at),
                "duration": format_duration(stage.duration_s),
                "steps": _steps(stage),
            }
        )
    return rows


def _steps(stage: StageData) -> str:
    steps = {step for series in stage.metrics.values() for step, _ in series}
    return str(max(steps)) if steps and stage.kind in TRAINING_KINDS else "-"


def eval_tables(run: RunData) -> dict[str, Any] | None:
    """The paper-layout table (one row per eval stage) and per-benchmark details."""
    stages = [s for s in run.stages if s.eval_summary]
    if not stages:
        return None
    rows = [table_row(s.name, s.eval_summary["benchmarks"]) for s in stages]
    columns, lines = table_lines(rows)  # an official and a strict line per stage, side by side
    details = [
        {"stage": s.name, "title": column_title(name), **summary}
        for s in stages
        for name, summary in s.eval_summary["benchmarks"].items()
    ]
    return {
        "columns": [column_title(c) for c in columns],
        "rows": lines,
        "sampled": any(line["sampling"] for line in lines),
        "markdown": markdown_table(rows),
        "details": details,
    }


def summary_markdown(context: dict[str, Any]) -> str:
    run: RunData = context["run"]
    lines = [
        f"# Run report: {run.name}\n",
        f"Run directory `{run.run_dir}`, generated {context['generated']}.\n",
    ]
    if context["stage_rows"]:
        lines += ["## Stages\n", "| stage | kind | status | started | finished | duration | steps |"]
        lines.append("| --- | --- | --- | --- | --- | ---: | ---: |")
        lines += [
            f"| {r['name']} | {r['kind']} | {r['status']} | {r['started']} | {r['finished']} | {r['duration']} | {r['steps']} |"
            for r in context["stage_rows"]
        ]
        lines.append("")
    if context["eval"]:
        lines += ["## Evaluation\n", context["eval"]["markdown"]]
    for picture in context["pictures"]:
        lines += [f"## {picture.title}\n", f"![{picture.title}]({picture.file_name})\n"]
    if run.notes:
        lines += ["## Notes\n", *[f"- {note}" for note in run.notes], ""]
    return "\n".join(lines)
