"""`coco_detection` equals pycocotools' COCOeval run on the same truths and detections, built here
independently of our converter: images without truths, tied scores, more than 100 detections per
image, base / novel splits (= COCOeval with `params.catIds` restricted) and per-category AP."""

from __future__ import annotations

import contextlib
import io
import random

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.tasks import task_summary
from vision_r1.evaluation.tasks.coco_data import coco_files
from vision_r1.evaluation.tasks.coco_detection import coco_scores

CATEGORIES = ["person", "car", "cat", "dog"]  # person, car: COCO OVD base; cat, dog: novel
T = "<think>I look.</think>"


def reference(truths: dict, detections: list[dict], cat_ids: list[int] | None = None) -> COCOeval:
    """COCOeval straight from the raw data: {(image, category): [xyxy]} and xywh result dicts."""
    dataset = {
        "images": [{"id": image} for image in sorted({image for image, _ in truths})],
        "categories": [{"id": i + 1, "name": name} for i, name in enumerate(CATEGORIES)],
        "annotations": [],
    }
    for (image, category), boxes in truths.items():
        for x1, y1, x2, y2 in boxes:
            dataset["annotations"].append(
                {
                    "id": len(dataset["annotations"]) + 1,
                    "image_id": image,
                    "category_id": CATEGORIES.index(category) + 1,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": (x2 - x1) * (y2 - y1),
                    "iscrowd": 0,
                }
            )
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = dataset
        coco.createIndex()
        evaluator = COCOeval(coco, coco.loadRes(detections), "bbox")
        if cat_ids is not None:
            evaluator.params.catIds = cat_ids
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def scenario(seed: int = 3):
    """Per-(image, category) rows with truths, Visual-RFT-style answers and the same detections raw."""
    rng = random.Random(seed)
    truths: dict[tuple[int, str], list[list[float]]] = {}
    detections: list[dict] = []
    items, records = [], []
    for image in range(1, 26):
        for category in rng.sample(CATEGORIES, 2):
            count = 0 if image % 5 == 0 else rng.randint(1, 3)  # every fifth image: asked, nothing there
            corners = [(rng.uniform(0, 300), rng.uniform(0, 300)) for _ in range(count)]
            boxes = [
                [round(v, 1) for v in (x, y, x + rng.uniform(20, 90), y + rng.uniform(20, 90))]
                for x, y in corners
            ]
            truths[(image, category)] = boxes
            answer = []
            for box in [*boxes, [rng.uniform(0, 300), rng.uniform(0, 300), 350.0, 380.0]]:
                jitter = [round(v + rng.uniform(-12, 12), 1) for v in box]
                jitter[2], jitter[3] = max(jitter[2], jitter[0] + 5), max(jitter[3], jitter[1] + 5)
                score = rng.choice([0.9, 0.5, 0.5, 0.3])  # tied scores on purpose
                answer.append({"Position": jitter, "Confidence": score})
                x1, y1, x2, y2 = jitter
                detections.append(
                    {"image_id": image, "category_id": CATEGORIES.index(category) + 1,
                     "bbox": [x1, y1, x2 - x1, y2 - y1], "score": score}
                )  # fmt: skip
            items.append(
                EvalItem(
                    item_id=f"{image}-{category}",
                    messages=[{"role": "user", "content": "<image>Detect"}],
                    images=[b""],
                    answer=str(boxes),
                    reward="detection",
                    extra_info={"image_id": str(image), "category": category, "coordinate_space": "pixel"},
                )
            )
            records.append({"response": f"{T}<answer>{answer}</answer>"})
    return truths, detections, items, records


def test_whole_set_and_per_category_equal_cocoeval() -> None:
    truths, detections, items, records = scenario()
    expected = reference(truths, detections)
    stats, rows = coco_scores(coco_files(items, records), {})
    # equal up to the order of float summation (our category ids are numbered differently)
    assert [stats[name] for name in ("AP", "AP50", "AP75")] == pytest.approx(expected.stats[:3], abs=1e-12)
    assert stats["AR100"] == pytest.approx(expected.stats[8], abs=1e-12) and 0.1 < stats["AP"] < 0.9
    for index, name in enumerate(CATEGORIES):
        alone = reference(truths, detections, [index + 1])
        assert rows[name][1] == pytest.approx(float(alone.stats[0]), abs=1e-12)
        assert rows[name][2] == pytest.approx(float(alone.stats[1]), abs=1e-12)
    base, novel = reference(truths, detections, [1, 2]), reference(truths, detections, [3, 4])
    assert stats["AP_base"] == pytest.approx(float(base.stats[0]), abs=1e-12)
    assert stats["AP50_novel"] == pytest.approx(float(novel.stats[1]), abs=1e-12)
    assert stats["AP_novel"] == pytest.approx(float(novel.stats[0]), abs=1e-12)


def test_more_than_100_detections_per_image_and_the_300_cap() -> None:
    truth = [[float(10 * i), 0.0, float(10 * i + 8), 8.0] for i in range(30)]
    answer = [{"Position": box, "Confidence": 0.99} for box in truth]
    answer += [
        {"Position": [0.0, 100.0 + i, 8.0, 108.0 + i], "Confidence": round(0.9 - i / 1000, 4)}
        for i in range(280)
    ]
    item = EvalItem(
        "1", [{"role": "user", "content": "x"}], [b""], str(truth), reward="detection",
        extra_info={"image_id": "1", "category": "cat", "coordinate_space": "pixel"},
    )  # fmt: skip
    files = coco_files([item], [{"response": f"{T}<answer>{answer}</answer>"}])
    assert len(files.detections) == 300 and files.counts["detections_cut"] == 10
    assert files.counts["pairs_over_100"] == 1
    kept = [{"image_id": 1, "category_id": 3, "bbox": [b[0], b[1], 8.0, 8.0], "score": 0.99} for b in truth]
    kept += [
        {
            "image_id": 1,
            "category_id": 3,
            "bbox": [0.0, 100.0 + i, 8.0, 8.0],
            "score": round(0.9 - i / 1000, 4),
        }
        for i in range(270)
    ]
    expected = reference({(1, "cat"): truth}, kept)
    stats, _ = coco_scores(files, {})
    assert stats["AP"] == float(expected.stats[0]) == 1.0  # COCOeval keeps the 100 best: all 30 truths first


def test_labelled_rows_scores_and_empty_predictions() -> None:
    truth = '[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}, {"bbox_2d": [20, 20, 40, 40], "label": "dog"}]'
    item = EvalItem("a", [{"role": "user", "content": "x"}], [b""], truth, reward="map", extra_info={})
    answer = (
        '[{"bbox_2d": [0, 0, 10, 10], "label": "dog"}, {"bbox_2d": [20, 20, 40, 40], "label": "Dog", "score": 85},'
        ' {"bbox_2d": [1, 1, 5, 5], "label": "zebra"}, {"bbox_2d": [5, 5, 1, 1], "label": "cat"}]'
    )
    files = coco_files([item], [{"response": f"{T}<answer>{answer}</answer>"}])
    assert +files.counts == {
        "unknown_labels": 1,
        "invalid_boxes": 1,
        "scores_missing": 1,
        "scores_out_of_range": 1,
    }
    _stats, rows = coco_scores(files, {})
    assert rows["cat"][1:] == [0.0, 0.0]  # the cat box was labelled dog: a false positive, as in VLM-R1
    # both dog boxes score 1.0 (missing; 85 is off the 0-1 scale): answer order breaks the tie, the
    # false positive comes first, so precision at full recall is 1/2
    assert rows["dog"][1] == pytest.approx(0.5)
    nothing = task_summary("coco_detection", [item], [{"response": f"{T}<answer>[]</answer>"}], {})
    assert nothing["accuracy"] == 0.0 and nothing["task"]["values"]["detections"] == 0


def test_summary_has_the_strict_variant_and_per_category_table() -> None:
    _, _, items, records = scenario()
    records = [dict(r, response=r["response"].replace(T, "")) if i % 2 else r for i, r in enumerate(records)]
    summary = task_summary("coco_detection", items, records, {})
    values = summary["task"]["values"]
    assert summary["metric"] == "mAP" and summary["accuracy"] == values["AP"]
    assert values["AP_strict"] < values["AP"] and values["images"] == 25
    assert set(summary["task"]["tables"]["per category"]["rows"]) == set(CATEGORIES)
    assert np.isclose(values["AP"], round(100 * coco_scores(coco_files(items, records), {})[0]["AP"], 2))
