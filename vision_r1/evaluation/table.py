"""The results table in the paper's layout: MathVista | MathVerse | MM-Math | Avg, then any others.

Each evaluated model gives two lines, side by side: `official` (each benchmark's own published
scoring, comparable with the papers) and `strict` (our rule judge). A benchmark without official
rules (an RL-format set) shows `-` on the official line; a model evaluated only on such sets has
only the strict line. `Avg` averages the paper's benchmarks that were evaluated (all three in a
full run), so it is comparable with Table 1 of the paper; extra benchmarks get their own columns
after it and do not enter the average. Sampling that changes what a number means (n samples,
re-sampling) is named in a last `sampling` column. The evaluation summary and the run report
both use this module.
"""

from __future__ import annotations

from typing import Any

from vision_r1.evaluation.benchmarks import PAPER_BENCHMARKS

SCORES = ("official", "strict")


def table_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Column keys: paper benchmarks present in any row (paper order), `avg`, then the rest by first use."""
    present = [name for row in rows for name in row["benchmarks"]]
    paper = [name for name in PAPER_BENCHMARKS if name in present]
    others = list(dict.fromkeys(name for name in present if name not in PAPER_BENCHMARKS))
    return [*paper, "avg", *others] if paper else others


def table_row(label: str, summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One model's row: per score, benchmark name -> accuracy, plus the paper average under `avg`."""
    row: dict[str, Any] = {"label": label, "sampling": sampling_note(summaries)}
    for score, key in (("strict", "accuracy"), ("official", "official_accuracy")):
        values = {name: summary.get(key) for name, summary in summaries.items()}
        paper = [values[name] for name in PAPER_BENCHMARKS if values.get(name) is not None]
        row["benchmarks" if score == "strict" else "official"] = values
        if paper:
            row["avg" if score == "strict" else "official_avg"] = round(sum(paper) / len(paper), 1)
    return row


def sampling_note(summaries: dict[str, dict[str, Any]]) -> str:
    """`mean@4; vision-r1: re-sample while </answer> is missing (up to 4 more)`, or "" for one plain sample."""
    notes = []
    for summary in summaries.values():
        n = summary.get("samples_per_item", 1)
        if n > 1:
            notes.append(f"mean@{n}")
        retry = summary.get("retry")
        if retry:
            notes.append(f"{retry['rule']} (up to {retry['max_retries']} more)")
    return "; ".join(dict.fromkeys(notes))


def table_lines(rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """(column keys, lines): each line has `label`, `score`, `cells` in column order and `sampling`."""
    columns = table_columns(rows)
    lines = []
    for row in rows:
        for score in SCORES:
            values = row.get("benchmarks" if score == "strict" else "official") or {}
            if score == "official" and all(values.get(c) is None for c in columns if c != "avg"):
                continue
            average = row.get("avg" if score == "strict" else "official_avg")
            cells = [average if c == "avg" else values.get(c) for c in columns]
            lines.append(
                {"label": row["label"], "score": score, "cells": cells, "sampling": row.get("sampling", "")}
            )
    return columns, lines


def column_title(name: str) -> str:
    return "Avg" if name == "avg" else PAPER_BENCHMARKS.get(name, name)


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table; a benchmark a line has no figure for shows as `-`."""
    columns, lines = table_lines(rows)
    sampled = any(line["sampling"] for line in lines)
    header = ["model", "score", *(column_title(c) for c in columns), *(["sampling"] if sampled else [])]
    out = [
        "| " + " | ".join(header) + " |",
        "| --- | --- |" + " ---: |" * len(columns) + (" --- |" if sampled else ""),
    ]
    for line in lines:
        cells = ["-" if v is None else f"{v:.1f}" for v in line["cells"]]
        tail = [line["sampling"] or "-"] if sampled else []
        out.append("| " + " | ".join([line["label"], line["score"], *cells, *tail]) + " |")
    return "\n".join(out) + "\n"
