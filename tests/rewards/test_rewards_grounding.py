"""Box reading, IoU/GIoU, coordinate spaces, and the iou / giou reward kinds."""

from __future__ import annotations

import numpy as np
import pytest

from vision_r1.rewards import compute_score
from vision_r1.rewards.boxes import first_box, giou, iou, pixel_scale, truth_objects


def respond(answer: str) -> str:
    return f"<think>looking</think><answer>{answer}</answer>"


def test_iou_and_giou_values() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert giou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    # disjoint: IoU 0, hull 30x30=900, union 200 -> -(700/900)
    assert giou((0, 0, 10, 10), (20, 20, 30, 30)) == pytest.approx(-700 / 900)


@pytest.mark.parametrize(
    "box",
    [(10, 0, 0, 10), (0, 10, 10, 0), (0, 0, 0, 10), (float("nan"), 0, 10, 10), (0, 0, float("inf"), 10)],
)
def test_invalid_boxes_overlap_nothing(box: tuple[float, ...]) -> None:
    assert iou(box, (0, 0, 10, 10)) == 0.0
    assert giou(box, (0, 0, 10, 10)) == -1.0


def test_huge_coordinates_give_finite_values() -> None:
    assert iou((0, 0, 1e308, 1e308), (0, 0, 10, 10)) == 0.0
    assert -1.0 <= giou((-1e308, -1e308, 1e308, 1e308), (0, 0, 1e308, 1e308)) <= 1.0


@pytest.mark.parametrize(
    ("text", "box"),
    [
        ('{"bbox_2d": [12, 34, 56, 78], "label": "dog"}', (12, 34, 56, 78)),
        ("the box is [1.5, 2, 3.25, 4] and [9, 9, 9, 9]", (1.5, 2, 3.25, 4)),
        ("(10,20),(30,40)", (10, 20, 30, 40)),
        ("(10, 20) to (30, 40) then [1, 2, 3, 4]", (10, 20, 30, 40)),
        ("[１２, 3, 45, 60]", (12, 3, 45, 60)),
        ("[1, 2, 3]", None),
        ("no box here", None),
    ],
)
def test_first_box(text: str, box: tuple[float, ...] | None) -> None:
    assert first_box(text) == box


def test_ground_truth_forms() -> None:
    box = (1.0, 2.0, 3.0, 4.0)
    assert truth_objects("[1, 2, 3, 4]") == [(box, None)]
    assert truth_objects([1, 2, 3, 4]) == [(box, None)]
    assert truth_objects(np.array([1, 2, 3, 4])) == [(box, None)]
    assert truth_objects("[[1, 2, 3, 4], [5, 6, 7, 8]]")[1] == ((5.0, 6.0, 7.0, 8.0), None)
    assert truth_objects('[{"bbox_2d": [1, 2, 3, 4], "label": "cat"}]') == [(box, "cat")]
    assert truth_objects("No Objects") == [] and truth_objects("[]") == []
    with pytest.raises(ValueError, match="invalid box"):
        truth_objects("[3, 2, 1, 4]")
    with pytest.raises(ValueError, match="not a box"):
        truth_objects("a cat")


def test_coordinate_spaces_convert_to_original_pixels() -> None:
    truth = "[100, 50, 300, 150]"  # original image 1000 x 500
    norm = {"reward": "iou", "coordinate_space": "norm1000", "image_size": [1000, 500]}
    assert compute_score("x", respond("[100, 100, 300, 300]"), truth, norm)["iou"] == pytest.approx(1.0)
    model = {
        "reward": "iou",
        "coordinate_space": "model_input",
        "image_size": [1000, 500],
        "model_input_size": [500, 250],
    }
    assert compute_score("x", respond("[50, 25, 150, 75]"), truth, model)["iou"] == pytest.approx(1.0)
    grid = {
        "reward": "iou",
        "coordinate_space": "model_input",
        "image_size": [1000, 500],
        "image_grid_thw": [1, 18, 36],
    }
    # grid 18 x 36 patches of 14 px -> model input 504 x 252
    assert pixel_scale(grid) == pytest.approx((1000 / 504, 500 / 252))
    pixel = {"reward": "iou", "coordinate_space": "pixel", "image_size": [1000, 500]}
    assert compute_score("x", respond("[100, 50, 300, 150]"), truth, pixel)["iou"] == 1.0
    # the same answer read in the wrong space is wrong
    assert compute_score("x", respond("[50, 25, 150, 75]"), truth, pixel)["iou"] == pytest.approx(1 / 19)


def test_coordinate_space_errors_name_the_missing_key() -> None:
    with pytest.raises(ValueError, match="image_size"):
        pixel_scale({"coordinate_space": "norm1000"})
    with pytest.raises(ValueError, match="model_input_size"):
        pixel_scale({"coordinate_space": "model_input", "image_size": [10, 10]})
    with pytest.raises(ValueError, match="unknown coordinate_space 'inches'"):
        pixel_scale({"coordinate_space": "inches"})


def test_iou_kind_scores_and_threshold_mode() -> None:
    truth = "[0, 0, 10, 10]"
    half = respond("[5, 0, 15, 10]")  # IoU 1/3
    result = compute_score("refcoco", half, truth)
    assert result["score"] == pytest.approx(1 + 1 / 3) and result["accuracy"] == pytest.approx(1 / 3)
    assert compute_score("refcoco", half, truth, {"iou_threshold": 0.5})["accuracy"] == 0.0
    assert compute_score("refcoco", half, truth, {"iou_threshold": 0.3})["accuracy"] == 1.0
    assert compute_score("refcoco", respond("[0, 0, 10, 10]"), truth, {"iou_threshold": 0.5})["score"] == 2.0
    # box outside the answer tags or a broken layout loses the format point only
    unformatted = compute_score("refcoco", "[0, 0, 10, 10]", truth)
    assert (unformatted["score"], unformatted["format"]) == (1.0, 0.0)
    no_box = compute_score("refcoco", respond("the dog on the left"), truth)
    assert no_box == {"score": 0.0, "format": 0.0, "accuracy": 0.0, "iou": 0.0, "confidence": 0.0}
    reversed_box = compute_score("refcoco", respond("[10, 10, 0, 0]"), truth)
    assert reversed_box["accuracy"] == 0.0 and reversed_box["format"] == 1.0


def test_giou_kind_rewards_closer_misses_more() -> None:
    truth = "[0, 0, 10, 10]"
    near = compute_score("lisa", respond("(12, 0), (22, 10)"), truth)
    far = compute_score("lisa", respond("(100, 100), (110, 110)"), truth)
    exact = compute_score("lisa", respond("(0, 0), (10, 10)"), truth)
    assert exact["accuracy"] == 1.0 and exact["score"] == 2.0
    assert 0.0 < far["accuracy"] < near["accuracy"] < 0.5
    assert near["iou"] == far["iou"] == 0.0
    assert compute_score("lisa", respond("nothing"), truth)["accuracy"] == 0.0
