"""`summary.md` of an evaluation: the paper-layout table, then one section per benchmark."""

from __future__ import annotations

from typing import Any

from vision_r1.evaluation.table import column_title, markdown_table
from vision_r1.evaluation.tasks import task_markdown


def summary_markdown(summary: dict[str, Any]) -> str:
    parts = [f"# Evaluation of `{summary['model_dir']}`\n", markdown_table([summary["table"]])]
    settings = summary["settings"]
    parts.append(
        f"Sampling: temperature {settings['temperature']}, top-p {settings['top_p']}, "
        f"max {settings['max_new_tokens']} new tokens, one sample per question"
        + (f", format retries up to {settings['format_retries']}" if settings["format_retries"] else "")
        + ".\n"
    )
    parts += [benchmark_markdown(s) for s in summary["benchmarks"].values()]
    return "\n".join(parts)


def benchmark_markdown(summary: dict[str, Any]) -> str:
    """Headline figures and the per-category breakdowns of one benchmark."""
    tokens = summary["response_tokens"]
    lines = [
        f"## {column_title(summary['name'])} ({summary['items']} items)\n",
        "| accuracy | format | answer found | truncated | tokens mean | p50 | p90 | p99 | max |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {summary['accuracy']:.1f} | {summary['format_rate']:.1f} | {summary['extraction_rate']:.1f} "
        f"| {summary['truncated_rate']:.1f} | {tokens['mean']:.0f} | {tokens['p50']:.0f} | {tokens['p90']:.0f} "
        f"| {tokens['p99']:.0f} | {tokens['max']} |",
        "",
    ]
    retry = summary.get("format_retry")
    if retry:
        lines.append(
            f"Format retries (up to {retry['max_retries']}): {retry['items_retried']} items re-sampled, "
            f"{retry['extra_samples']} extra samples; accuracy without retries {retry['accuracy_first_attempt']:.1f}.\n"
        )
    if summary.get("kind") == "rl":
        lines.append(f"Mean task score (reward accuracy component): {summary['mean_score']:.4f}.\n")
    if summary.get("task"):
        lines += [f"Dataset-level metrics ({summary['metric']} is the table's number; percentages):\n"]
        lines += task_markdown(summary["task"])
    if summary.get("llm_extracted"):
        lines.append(f"Answers found by the LLM extractor: {summary['llm_extracted']}.\n")
    for breakdown, labels in summary["by_category"].items():
        lines += [f"**{breakdown}**\n", "| label | n | accuracy |", "| --- | ---: | ---: |"]
        lines += [f"| {label} | {cell['n']} | {cell['accuracy']:.1f} |" for label, cell in labels.items()]
        lines.append("")
    return "\n".join(lines)
