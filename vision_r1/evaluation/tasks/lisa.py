"""`lisa`: reasoning grounding, gIoU and cIoU over the whole set, as LISA and Visual-RFT report them.

gIoU is the mean of per-image IoU; cIoU is the cumulative intersection over the cumulative union of
all images. An answer without a box inside `<answer>` tags has IoU 0 and adds the truth's area to
the union. LISA computes both on segmentation masks (Visual-RFT turns its box into a mask with SAM);
this kind scores the boxes themselves. `giou_strict` / `ciou_strict` also need the strict layout.
(gIoU here is LISA's "global IoU", not the generalized IoU of the `giou` reward.)
"""

from __future__ import annotations

from typing import Any

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.tasks.common import TaskResult, answer_box, truth_box
from vision_r1.rewards.boxes import intersection_and_union
from vision_r1.rewards.tags import has_strict_format


def _overlaps(items: list[EvalItem], records: list[dict[str, Any]], strict: bool) -> tuple[float, float]:
    """(gIoU, cIoU) of the set; with `strict`, answers outside the strict layout count as no box."""
    ious, total_inter, total_union = [], 0.0, 0.0
    for item, record in zip(items, records, strict=True):
        truth = truth_box(item)
        box = answer_box(record["response"], item.extra_info)
        if strict and not has_strict_format(record["response"]):
            box = None
        if box is None:
            inter, union = 0.0, (truth[2] - truth[0]) * (truth[3] - truth[1])
        else:
            inter, union = intersection_and_union(box, truth)
        ious.append(inter / union if union > 0 else 0.0)
        total_inter += inter
        total_union += union
    giou = sum(ious) / len(ious) if ious else 0.0
    return giou, total_inter / total_union if total_union > 0 else 0.0


def compute(items: list[EvalItem], records: list[dict[str, Any]], options: dict[str, Any]) -> TaskResult:
    giou, ciou = _overlaps(items, records, strict=False)
    giou_strict, ciou_strict = _overlaps(items, records, strict=True)
    return TaskResult(
        metric="gIoU",
        headline=giou,
        values={
            "giou": giou,
            "ciou": ciou,
            "giou_strict": giou_strict,
            "ciou_strict": ciou_strict,
            "items": len(items),
        },
    )
