"""The results table in the paper's layout: MathVista | MathVerse | MM-Math | Avg, then any others.

`Avg` averages the paper's benchmarks that were evaluated (all three in a full run), so the number
is comparable with Table 1 of the paper; extra benchmarks (held-out RL sets) get their own columns
after it and do not enter the average. The evaluation summary and the run report both use it.
"""

from __future__ import annotations

from typing import Any

from vision_r1.evaluation.benchmarks import PAPER_BENCHMARKS


def table_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Column keys: paper benchmarks present in any row (paper order), `avg`, then the rest by first use."""
    present = [name for row in rows for name in row["benchmarks"]]
    paper = [name for name in PAPER_BENCHMARKS if name in present]
    others = list(dict.fromkeys(name for name in present if name not in PAPER_BENCHMARKS))
    return [*paper, "avg", *others] if paper else others


def table_row(label: str, summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One table row: benchmark name -> accuracy, plus the paper average under `avg`."""
    accuracies = {name: summary["accuracy"] for name, summary in summaries.items()}
    paper = [accuracies[name] for name in PAPER_BENCHMARKS if name in accuracies]
    row: dict[str, Any] = {"label": label, "benchmarks": accuracies}
    if paper:
        row["avg"] = round(sum(paper) / len(paper), 1)
    return row


def column_title(name: str) -> str:
    return "Avg" if name == "avg" else PAPER_BENCHMARKS.get(name, name)


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table; a benchmark a row did not evaluate shows as `-`."""
    columns = table_columns(rows)
    lines = [
        "| model | " + " | ".join(column_title(c) for c in columns) + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    for row in rows:
        cells = [row.get("avg") if c == "avg" else row["benchmarks"].get(c) for c in columns]
        lines.append(
            f"| {row['label']} | " + " | ".join("-" if v is None else f"{v:.1f}" for v in cells) + " |"
        )
    return "\n".join(lines) + "\n"
