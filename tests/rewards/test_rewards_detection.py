"""detection (Visual-RFT) and map (COCO AP, checked against pycocotools)."""

from __future__ import annotations

import contextlib
import io
import json
import random

import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from vision_r1.rewards import compute_score
from vision_r1.rewards.average_precision import image_average_precision
from vision_r1.rewards.detection import Detection, parse_detections


def respond(answer: str) -> str:
    return f"<think>scanning</think><answer>{answer}</answer>"


def predictions(*items: tuple[list[float], float]) -> str:
    return respond(repr([{"Position": box, "Confidence": confidence} for box, confidence in items]))


TRUTH = "[[0, 0, 10, 10], [20, 20, 30, 30]]"


def test_perfect_detection_scores_three() -> None:
    result = compute_score("coco", predictions(([0, 0, 10, 10], 1.0), ([20, 20, 30, 30], 1.0)), TRUTH)
    assert result == {"score": 3.0, "format": 1.0, "accuracy": 1.0, "iou": 1.0, "confidence": 1.0}


def test_iou_reward_averages_over_the_larger_count_and_confidence_rewards_calibration() -> None:
    # one hit (IoU 1), one miss far away, one ground truth left unmatched
    result = compute_score("coco", predictions(([0, 0, 10, 10], 0.8), ([50, 50, 60, 60], 0.3)), TRUTH)
    assert result["accuracy"] == pytest.approx(1.0 / 2)
    assert result["confidence"] == pytest.approx((0.8 + (1 - 0.3)) / 2)
    # a partial hit (IoU 50/150 < 0.5) is not a match
    result = compute_score("coco", predictions(([5, 0, 15, 10], 0.9)), "[[0, 0, 10, 10]]")
    assert result["accuracy"] == 0.0 and result["confidence"] == pytest.approx(0.1)
    # three predictions for two objects: divided by 3
    result = compute_score(
        "coco", predictions(([0, 0, 10, 10], 0.9), ([20, 20, 30, 30], 0.9), ([40, 40, 50, 50], 0.1)), TRUTH
    )
    assert result["accuracy"] == pytest.approx(2 / 3)


def test_greedy_matching_goes_by_confidence() -> None:
    # both predictions overlap the single object; only the more confident one may claim it
    truth = "[[0, 0, 10, 10]]"
    result = compute_score("coco", predictions(([0, 0, 10, 9], 0.2), ([0, 0, 10, 10], 0.9)), truth)
    assert result["iou"] == 1.0  # the exact box (0.9) matched, not the 0.9-IoU one listed first
    assert result["confidence"] == pytest.approx((0.9 + 0.8) / 2)


def test_duplicates_are_removed_keeping_the_most_confident() -> None:
    result = compute_score(
        "coco", predictions(([0, 0, 10, 10], 0.4), ([0, 0, 10, 10], 0.9)), "[[0, 0, 10, 10]]"
    )
    assert result["accuracy"] == 1.0 and result["confidence"] == pytest.approx(0.9)


def test_no_objects() -> None:
    assert compute_score("coco", respond("No Objects"), "[]")["score"] == 3.0
    assert compute_score("coco", respond("[]"), "No Objects")["score"] == 3.0
    missed = compute_score("coco", respond("No Objects"), TRUTH)
    assert (missed["accuracy"], missed["confidence"]) == (0.0, 0.0)
    hallucinated = compute_score("coco", predictions(([0, 0, 10, 10], 0.25)), "[]")
    assert hallucinated["accuracy"] == 0.0 and hallucinated["confidence"] == pytest.approx(0.75)


@pytest.mark.parametrize("confidence", ["NaN", "Infinity", "-Infinity", "1.5", "-0.2", "'high'", "None"])
def test_unusable_confidence_earns_nothing_and_never_nan(confidence: str) -> None:
    answer = respond(f"[{{'Position': [0, 0, 10, 10], 'Confidence': {confidence}}}]")
    result = compute_score("coco", answer, "[[0, 0, 10, 10]]")
    assert result == {"score": 2.0, "format": 1.0, "accuracy": 1.0, "iou": 1.0, "confidence": 0.0}


@pytest.mark.parametrize(
    "box",
    [
        "[10, 10, 0, 0]",
        "[0, 0, NaN, 10]",
        "[0, 0, Infinity, 10]",
        "[0, 0, 10]",
        "'big'",
        "[1e308, 1e308, 1e308, 1e308]",
    ],
)
def test_invalid_boxes_are_unmatched_predictions(box: str) -> None:
    answer = respond(
        f"[{{'Position': {box}, 'Confidence': 0.9}}, {{'Position': [0, 0, 10, 10], 'Confidence': 0.8}}]"
    )
    result = compute_score("coco", answer, "[[0, 0, 10, 10]]")
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["confidence"] == pytest.approx((0.1 + 0.8) / 2)


def test_norm1000_predictions_are_scaled() -> None:
    info = {"coordinate_space": "norm1000", "image_size": [200, 100]}
    result = compute_score("coco", predictions(([0, 0, 50, 100], 1.0)), "[[0, 0, 10, 10]]", info)
    assert result["score"] == 3.0


def test_garbage_scores_zero_but_keeps_format() -> None:
    result = compute_score("coco", respond("I see a cat somewhere"), TRUTH)
    assert result == {"score": 1.0, "format": 1.0, "accuracy": 0.0, "iou": 0.0, "confidence": 0.0}


def test_parse_detections_forms() -> None:
    parsed = parse_detections('```json\n[{"bbox_2d": [1, 2, 3, 4], "label": "cat", "score": 0.5},]\n```')
    assert parsed == [Detection((1.0, 2.0, 3.0, 4.0), 0.5, "cat", 0.5)]
    truncated = parse_detections("[{'Position': [1, 2, 3, 4], 'Confidence': 0.9}, {'Position': [5, 6")
    assert truncated == [Detection((1.0, 2.0, 3.0, 4.0), 0.9, None, 0.9)]
    assert parse_detections("no objects found.") == []
    assert parse_detections("cat") is None


# ---- map ----


def _coco_ap(
    truths: list[tuple[list[int], int]], dets: list[tuple[list[int], int, float]]
) -> tuple[float, float]:
    """pycocotools' AP and AP50 for one image (boxes given as x1, y1, x2, y2)."""
    categories = sorted({category for _, category in truths} | {category for _, category, _ in dets})
    gt = COCO()
    gt.dataset = {
        "images": [{"id": 1, "width": 640, "height": 480}],
        "categories": [{"id": c, "name": f"c{c}"} for c in categories],
        "annotations": [
            {
                "id": i + 1,
                "image_id": 1,
                "category_id": c,
                "iscrowd": 0,
                "area": (b[2] - b[0]) * (b[3] - b[1]),
                "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
            }
            for i, (b, c) in enumerate(truths)
        ],
    }
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        results = gt.loadRes(
            [
                {"image_id": 1, "category_id": c, "score": s, "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]}
                for b, c, s in dets
            ]
        )
        evaluation = COCOeval(gt, results, "bbox")
        evaluation.params.imgIds = [1]
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[0]), float(evaluation.stats[1])


def _random_case(rng: random.Random) -> tuple[list, list]:
    truths = []
    for _ in range(rng.randint(1, 6)):
        x, y = rng.randint(0, 500), rng.randint(0, 350)
        truths.append(([x, y, x + rng.randint(5, 120), y + rng.randint(5, 120)], rng.randint(1, 3)))
    dets = []
    for box, category in truths:
        for _ in range(rng.randint(0, 2)):
            jitter = [value + rng.randint(-12, 12) for value in box]
            if jitter[2] > jitter[0] and jitter[3] > jitter[1]:
                dets.append(
                    (jitter, category if rng.random() < 0.85 else rng.randint(1, 4), round(rng.random(), 2))
                )
    for _ in range(rng.randint(1, 3)):  # pure false positives, some in a category absent from the truth
        x, y = rng.randint(0, 500), rng.randint(0, 350)
        dets.append(
            (
                [x, y, x + rng.randint(5, 100), y + rng.randint(5, 100)],
                rng.randint(1, 4),
                round(rng.random(), 2),
            )
        )
    rng.shuffle(dets)
    return truths, dets


@pytest.mark.parametrize("seed", range(40))
def test_map_equals_pycocotools(seed: int) -> None:
    truths, dets = _random_case(random.Random(seed))
    expected_ap, expected_ap50 = _coco_ap(truths, dets)
    answer = respond(json.dumps([{"bbox_2d": b, "label": f"c{c}", "score": s} for b, c, s in dets]))
    truth = json.dumps([{"bbox_2d": b, "label": f"c{c}"} for b, c in truths])
    result = compute_score("ovd", answer, truth)
    assert result["accuracy"] == pytest.approx(expected_ap, abs=1e-12)
    assert result["iou"] == pytest.approx(expected_ap50, abs=1e-12)
    ap50 = compute_score("ovd", answer, truth, {"ap_iou_threshold": 0.5})["accuracy"]
    assert ap50 == pytest.approx(expected_ap50, abs=1e-12)


def test_map_edge_cases() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    assert image_average_precision([], []) == 1.0
    assert image_average_precision([Detection(box, 0.9, None)], []) == 0.0
    assert image_average_precision([], [(box, None)]) == 0.0
    assert image_average_precision([Detection(box, None, "Cat")], [(box, "cat")]) == pytest.approx(1.0)
    assert compute_score("ovd", respond("garbage"), "[[0, 0, 10, 10]]")["score"] == 1.0
