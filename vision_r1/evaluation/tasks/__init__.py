"""Dataset-level evaluation kinds for the Visual-RFT / VLM-R1 tasks, computed the way those papers do.

Each kind reads an RL-format parquet (what `vision-r1 data convert` and `data synth` write), is
generated and judged item by item like any benchmark (so it resumes the same way), and then scores
the whole set at once: `refcoco` (Acc@0.5), `coco_detection` (COCOeval mAP, base / novel splits),
`classification` (top-1 per dataset and per class), `lisa` (gIoU and cIoU). The headline lands in
the summary's `accuracy` (so the results table shows it) and everything else under `task`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.tasks import classification, coco_data, coco_detection, lisa, refcoco
from vision_r1.evaluation.tasks.common import TaskResult, check_single_box

Compute = Callable[[list[EvalItem], list[dict[str, Any]], dict[str, Any]], TaskResult]


@dataclass(frozen=True)
class TaskKind:
    compute: Compute
    options: tuple[str, ...] = ()
    check: Callable[[EvalItem], None] | None = None
    select: Callable[[list[EvalItem], dict[str, Any]], list[EvalItem]] | None = None


TASK_KINDS: dict[str, TaskKind] = {
    "refcoco": TaskKind(refcoco.compute, ("subset", "seed"), check_single_box, refcoco.select),
    "coco_detection": TaskKind(coco_detection.compute, ("split_file",), coco_data.check_item),
    "classification": TaskKind(classification.compute),
    "lisa": TaskKind(lisa.compute, (), check_single_box),
}


def check_options(kind: str, options: dict[str, Any], name: str) -> None:
    """Only the options a kind knows; a misspelled one fails before anything runs."""
    allowed = TASK_KINDS[kind].options if kind in TASK_KINDS else ()
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        known = ", ".join(allowed) or "none"
        raise ValueError(f"benchmark '{name}' ({kind}): unknown options {unknown} (known: {known})")


def prepare_items(kind: str, items: list[EvalItem], options: dict[str, Any]) -> list[EvalItem]:
    """The items a task kind scores (its subset option applied), each checked for the fields it needs."""
    task = TASK_KINDS.get(kind)
    if task is None:
        return items
    if task.select is not None:
        items = task.select(items, options)
    if task.check is not None:
        for item in items:
            task.check(item)
    return items


def task_summary(
    kind: str, items: list[EvalItem], records: list[dict[str, Any]], options: dict[str, Any]
) -> dict:
    """`{"metric", "accuracy", "task"}` for a task kind (to merge into its summary); {} for other kinds."""
    task = TASK_KINDS.get(kind)
    return {} if task is None else task.compute(items, records, options).as_summary()


def task_markdown(task: dict[str, Any]) -> list[str]:
    """Markdown lines for a summary's `task` section: the values, then each breakdown table."""
    values = task["values"]
    lines = ["| " + " | ".join(values) + " |", "|" + " ---: |" * len(values)]
    lines += ["| " + " | ".join(format_cell(v) for v in values.values()) + " |", ""]
    for title, table in task["tables"].items():
        lines += [f"**{title}**\n", "| label | " + " | ".join(table["columns"]) + " |"]
        lines.append("| --- |" + " ---: |" * len(table["columns"]))
        lines += [
            f"| {label} | " + " | ".join(format_cell(c) for c in cells) + " |"
            for label, cells in table["rows"].items()
        ]
        lines.append("")
    return lines


def format_cell(value: Any) -> str:
    """A task value for a table: counts as integers, percentages with two decimals, "-" for none."""
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.2f}"
