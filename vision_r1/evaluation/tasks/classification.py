"""`classification`: top-1 accuracy per dataset and per class, as Visual-RFT's evaluation counts it.

Visual-RFT's script takes the text inside `<answer>` tags and counts it correct when, after removing
spaces and underscores and lowercasing, the label is a substring of the answer or the answer of the
label. That is `top1` (the headline, comparable with the paper). It also counts an empty answer as
correct, and a list of every class name; `top1_strict` is our exact rule (the whole answer must be
the label or a listed synonym, an empty answer never matches). Items are grouped by `data_source`
(the dataset) and by the truth label (the class).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.tasks.common import TaskResult
from vision_r1.rewards.classification import classification_reward
from vision_r1.rewards.tags import answer_block

COLUMNS = ["n", "top1", "top1_strict"]


def _verdicts(item: EvalItem, response: str) -> tuple[bool, bool]:
    """(Visual-RFT's substring rule, our exact rule); both need the `<answer>` tags."""
    if answer_block(response) is None:
        return False, False
    original = classification_reward(response, item.answer, {"reward_rules": "visual_rft"})
    exact = classification_reward(response, item.answer, item.extra_info)
    return original["accuracy"] == 1.0, exact["accuracy"] == 1.0


def _table(groups: dict[str, list[tuple[bool, bool]]]) -> dict[str, Any]:
    rows = {
        label: [len(cells), sum(o for o, _ in cells) / len(cells), sum(s for _, s in cells) / len(cells)]
        for label, cells in sorted(groups.items())
    }
    return {"columns": COLUMNS, "rows": rows}


def compute(items: list[EvalItem], records: list[dict[str, Any]], options: dict[str, Any]) -> TaskResult:
    by_dataset: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    by_class: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    verdicts = []
    for item, record in zip(items, records, strict=True):
        verdict = _verdicts(item, record["response"])
        verdicts.append(verdict)
        by_dataset[item.data_source].append(verdict)
        by_class[item.answer].append(verdict)
    count = len(verdicts)
    top1 = sum(o for o, _ in verdicts) / count if count else 0.0
    return TaskResult(
        metric="top-1",
        headline=top1,
        values={
            "top1": top1,
            "top1_strict": sum(s for _, s in verdicts) / count if count else 0.0,
            "items": count,
            "classes": len(by_class),
        },
        tables={"per dataset": _table(by_dataset), "per class": _table(by_class)},
    )
