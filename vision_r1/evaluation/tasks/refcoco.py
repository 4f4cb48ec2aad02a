"""`refcoco`: referring expression comprehension, Acc@0.5 over a whole split, as VLM-R1 reports it.

An item counts when the IoU of the model's box with the truth box exceeds 0.5 (strictly), the box
being the first one inside the `<answer>` tags, moved from the answer's coordinate space to image
pixels (VLM-R1 rescales from the model-input frame the same way). One benchmark entry per split
(val / testA / testB; RefCOCOg val / test). VLM-R1's script scores a random subset (seed 42, 2,000
items); here the full split is the default and `subset: N` (with `seed`, default 42) selects VLM-R1's
subset: the same shuffle of the same order, so the same items. Beside it, `acc50_strict` also needs
the strict `<think>...</think><answer>...</answer>` layout.
"""

from __future__ import annotations

import random
from typing import Any

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.tasks.common import TaskResult, answer_box, truth_box
from vision_r1.rewards.boxes import iou
from vision_r1.rewards.tags import has_strict_format

MATCH_IOU = 0.5
VLM_R1_SEED = 42


def select(items: list[EvalItem], options: dict[str, Any]) -> list[EvalItem]:
    """All items, or VLM-R1's random subset: shuffle with `seed`, keep the first `subset`."""
    size = options.get("subset")
    if size is None:
        return items
    chosen = list(items)
    random.Random(int(options.get("seed", VLM_R1_SEED))).shuffle(chosen)
    return chosen[: int(size)]


def compute(items: list[EvalItem], records: list[dict[str, Any]], options: dict[str, Any]) -> TaskResult:
    hits = strict_hits = 0
    overlaps = []
    for item, record in zip(items, records, strict=True):
        box = answer_box(record["response"], item.extra_info)
        overlap = 0.0 if box is None else iou(box, truth_box(item))
        overlaps.append(overlap)
        hit = overlap > MATCH_IOU
        hits += hit
        strict_hits += hit and has_strict_format(record["response"])
    count = len(items)
    return TaskResult(
        metric="Acc@0.5",
        headline=hits / count if count else 0.0,
        values={
            "acc50": hits / count if count else 0.0,
            "acc50_strict": strict_hits / count if count else 0.0,
            "mean_iou": sum(overlaps) / count if count else 0.0,
            "items": count,
        },
    )
