"""`coco_detection`: COCO mAP of a detection benchmark with pycocotools' COCOeval, the reference every
detection paper (and Visual-RFT / VLM-R1) reports.

The answers become a COCO ground truth and result list (`coco_data`), COCOeval runs on the whole set
(bbox, area "all", maxDets 100) and reports mAP@[.5:.95] (the headline), AP50, AP75, AP for small /
medium / large objects, AR@100 and AP per category. Open-vocabulary splits: categories are grouped
into `base` and `novel` by `split_file` (JSON `{"base": [...], "novel": [...]}`) or, when every
category is a COCO name, by the usual 48 / 17 COCO OVD split; each split's AP is the mean of its
categories' AP, which is exactly COCOeval run with `params.catIds` set to that split. `*_strict` is
the same with answers outside the strict think/answer layout predicting nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from vision_r1.data.convert.coco import COCO_OVD_BASE, COCO_OVD_NOVEL
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem
from vision_r1.evaluation.tasks.coco_data import CocoFiles, coco_files
from vision_r1.evaluation.tasks.common import TaskResult
from vision_r1.rewards.labels import normalize_label

STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl")
AR100_INDEX = 8
SPLITS = ("base", "novel")


def run_cocoeval(files: CocoFiles) -> Any:
    """COCOeval (bbox) evaluated, accumulated and summarized, its printing swallowed; None without detections
    (pycocotools cannot load an empty result list)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not files.detections:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = files.ground_truth()
        truth.createIndex()
        evaluator = COCOeval(truth, truth.loadRes(files.detections), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def category_precision(evaluator: Any, indexes: list[int], threshold_index: int | None) -> float | None:
    """Mean interpolated precision (area all, maxDets 100) over the given category indexes, averaged as
    COCOeval's summarize does; None when none of them has a truth box."""
    precision = evaluator.eval["precision"][:, :, indexes, 0, -1]
    if threshold_index is not None:
        precision = precision[threshold_index]
    valid = precision[precision > -1]
    return float(np.mean(valid)) if valid.size else None


def split_members(options: dict[str, Any], categories: dict[str, str]) -> dict[str, set[str]]:
    """Normalized category names of each OVD split; empty when the benchmark has no split."""
    split_file = options.get("split_file")
    if split_file:
        try:
            spec = json.loads(Path(split_file).read_text())
        except (OSError, ValueError) as error:
            raise BenchmarkFormatError(f"split_file {split_file}: {error}") from None
        return {split: {normalize_label(name) for name in spec.get(split, [])} for split in SPLITS}
    builtin = {"base": COCO_OVD_BASE, "novel": COCO_OVD_NOVEL}
    members = {split: {normalize_label(name) for name in names} for split, names in builtin.items()}
    return members if set(categories) <= members["base"] | members["novel"] else {}


def _stat(value: float) -> float | None:
    return None if value < 0 else float(value)  # COCOeval's -1: nothing to score


def coco_scores(files: CocoFiles, options: dict[str, Any]) -> tuple[dict[str, float | None], dict[str, list]]:
    """Headline stats, split APs and per-category rows [truth boxes, AP, AP50] of one COCO evaluation."""
    evaluator = run_cocoeval(files)
    keys = list(files.categories)
    truths = files.truth_counts()

    def precision(indexes: list[int], threshold_index: int | None) -> float | None:
        if evaluator is not None:
            return category_precision(evaluator, indexes, threshold_index)
        return 0.0 if any(truths[keys[i]] for i in indexes) else None  # no detections: AP 0

    if evaluator is None:
        zero = 0.0 if files.annotations else None
        stats: dict[str, float | None] = dict.fromkeys((*STAT_NAMES, "AR100"), zero)
    else:
        stats = {name: _stat(evaluator.stats[i]) for i, name in enumerate(STAT_NAMES)}
        stats["AR100"] = _stat(evaluator.stats[AR100_INDEX])
    for split, members in split_members(options, files.categories).items():
        indexes = [i for i, key in enumerate(keys) if key in members]
        stats[f"AP_{split}"], stats[f"AP50_{split}"] = precision(indexes, None), precision(indexes, 0)
    rows = {
        files.categories[key]: [truths[key], precision([i], None), precision([i], 0)]
        for i, key in enumerate(keys)
    }
    return stats, rows


def compute(items: list[EvalItem], records: list[dict[str, Any]], options: dict[str, Any]) -> TaskResult:
    files = coco_files(items, records)
    stats, rows = coco_scores(files, options)
    strict, _ = coco_scores(coco_files(items, records, strict=True), options)
    values: dict[str, float | int] = {name: value for name, value in stats.items() if value is not None}
    values |= {f"{name}_strict": strict[name] for name in ("AP", "AP50") if strict[name] is not None}
    values |= {"images": len(files.images), "truth_boxes": len(files.annotations)}
    values |= {"detections": len(files.detections), **dict(sorted(files.counts.items()))}
    return TaskResult(
        metric="mAP",
        headline=stats["AP"] or 0.0,
        values=values,
        tables={"per category": {"columns": ["truth boxes", "AP", "AP50"], "rows": rows}},
    )
