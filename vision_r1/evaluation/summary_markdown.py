"""`summary.md` of an evaluation: the paper-layout table, then one section per benchmark."""

from __future__ import annotations

from typing import Any

from vision_r1.evaluation.table import column_title, markdown_table
from vision_r1.evaluation.tasks import task_markdown


def summary_markdown(summary: dict[str, Any]) -> str:
    origin = summary.get("model_dir") or f"responses from {summary.get('responses')}"
    parts = [f"# Evaluation of `{origin}`\n", markdown_table([summary["table"]])]
    settings = summary["settings"]
    if "temperature" in settings:
        parts.append(
            f"Sampling: temperature {settings['temperature']}, top-p {settings['top_p']}, "
            f"max {settings['max_new_tokens']} new tokens, {settings.get('samples', 1)} sample(s) per question"
            + _retry_text(settings)
            + ".\n"
        )
    parts.append(
        "`official`: each benchmark's published scoring rules; `strict`: our rule judge "
        "(see the README's Evaluation section for both).\n"
    )
    parts += [benchmark_markdown(s) for s in summary["benchmarks"].values()]
    return "\n".join(parts)


def _retry_text(settings: dict[str, Any]) -> str:
    if settings.get("resample_missing_answer"):
        return ", re-sampled while `</answer>` was missing (Vision-R1 rule, up to 5 responses)"
    if settings.get("format_retries"):
        return f", format retries up to {settings['format_retries']}"
    return ""


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def benchmark_markdown(summary: dict[str, Any]) -> str:
    """Headline figures, where the items came from, and the per-category breakdowns of one benchmark."""
    tokens = summary["response_tokens"]
    lines = [
        f"## {column_title(summary['name'])} ({summary['items']} items)\n",
        "| official | strict | format | answer found | truncated | tokens mean | p50 | p90 | p99 | max |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {_figure(summary.get('official_accuracy'))} | {summary['accuracy']:.1f} | {summary['format_rate']:.1f} "
        f"| {summary['extraction_rate']:.1f} | {_figure(summary['truncated_rate'])} | {tokens['mean']:.0f} "
        f"| {tokens['p50']:.0f} | {tokens['p90']:.0f} | {tokens['p99']:.0f} | {tokens['max']} |",
        "",
    ]
    if summary.get("official_rules"):
        lines.append(f"Official rules: {summary['official_rules']}.\n")
    for source, count in (summary.get("files") or {}).items():
        lines.append(f"- {count} items from `{source}`")
    if summary.get("files"):
        lines.append("")
    headline = summary.get("headline")
    if headline:
        left_out = "; ".join(f"{name} {', '.join(labels)}" for name, labels in headline["excluded"].items())
        lines.append(
            f"Headline over {headline['items']} items (leaves out {left_out}, as the benchmark's own All does).\n"
        )
    n = summary.get("samples_per_item", 1)
    if n > 1:
        passed = summary["pass_at_n"]
        lines.append(
            f"{n} samples per item: accuracy is mean@{n}; pass@{n} official {_figure(passed['official'])}, "
            f"strict {passed['strict']:.1f}.\n"
        )
    retry = summary.get("retry")
    if retry:
        lines.append(
            f"Re-sampling ({retry['rule']}, up to {retry['max_retries']} more): {retry['samples_retried']} "
            f"samples re-drawn, {retry['extra_samples']} extra responses; without it official "
            f"{_figure(retry['official_accuracy_first_attempt'])}, strict {retry['accuracy_first_attempt']:.1f}.\n"
        )
    if summary.get("kind") == "rl":
        lines.append(f"Mean task score (reward accuracy component): {summary['mean_score']:.4f}.\n")
    if summary.get("task"):
        lines += [f"Dataset-level metrics ({summary['metric']} is the table's number; percentages):\n"]
        lines += task_markdown(summary["task"])
    if summary.get("llm_extracted"):
        lines.append(f"Answers found by the LLM extractor: {summary['llm_extracted']}.\n")
    for breakdown, labels in summary["by_category"].items():
        lines += [f"**{breakdown}**\n", "| label | n | official | strict |", "| --- | ---: | ---: | ---: |"]
        lines += [
            f"| {label} | {cell['n']} | {_figure(cell.get('official_accuracy'))} | {cell['accuracy']:.1f} |"
            for label, cell in labels.items()
        ]
        lines.append("")
    return "\n".join(lines)
