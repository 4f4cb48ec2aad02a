"""The summaries an evaluation writes, whoever produced the responses (a model here, or a file).

Output layout under the evaluation's folder:
    summary.json             {"model_dir" | "responses", "settings", "benchmarks": {name: summary}, "table": row}
    summary.md               the paper-layout table (official and strict rows) plus per-benchmark details
    <benchmark>/results.jsonl     one line per item and sample (question, response, both verdicts)
    <benchmark>/summary.json      that benchmark's summary
    <benchmark>/eval_config.json  the settings its results were made with
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks import HEADLINE_EXCLUDES, BenchmarkSpec, file_counts
from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.metrics import summarize
from vision_r1.evaluation.official import OFFICIAL_RULES
from vision_r1.evaluation.summary_markdown import summary_markdown
from vision_r1.evaluation.table import table_row
from vision_r1.evaluation.tasks import task_summary

SUMMARY_FILE = "summary.json"


def benchmark_summary(
    spec: BenchmarkSpec,
    items: list[EvalItem],
    records: list[dict[str, Any]],
    retry: dict[str, Any] | None,
    directory: Path,
) -> dict[str, Any]:
    """Summarize one benchmark's records, write its `summary.json`, and return the summary.

    Dataset-level task metrics (COCO AP, Acc@0.5, ...) are computed over each item's first sample.
    """
    official = OFFICIAL_RULES.get(spec.kind)
    first_samples = {record["id"]: record for record in records if record.get("sample", 0) == 0}
    summary = {
        "name": spec.name,
        "kind": spec.kind,
        "path": str(spec.path),
        "files": file_counts(items, str(spec.path)),
        "official_rules": official.name if official else None,
        **summarize(records, retry, HEADLINE_EXCLUDES.get(spec.kind)),
        **task_summary(spec.kind, items, [first_samples[item.item_id] for item in items], spec.options),
    }
    write_json(directory / SUMMARY_FILE, summary)
    return summary


def write_evaluation(
    out: Path,
    label: str,
    origin: dict[str, str],
    settings: dict[str, Any],
    summaries: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Write the evaluation's `summary.json` and `summary.md`; `origin` names the model or file."""
    summary = {**origin, "settings": settings, "benchmarks": summaries, "table": table_row(label, summaries)}
    write_json(out / SUMMARY_FILE, summary)
    (out / "summary.md").write_text(summary_markdown(summary))
    return summary


def write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def load_summary(out_dir: str | Path) -> dict[str, Any]:
    """The summary an evaluation wrote (used by the run report)."""
    return json.loads((Path(out_dir) / SUMMARY_FILE).read_text())
