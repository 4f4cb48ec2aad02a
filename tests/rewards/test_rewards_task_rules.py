"""VLM-R1's three OVD rewards (od_ap, od_ap50, odLength) and the `reward_rules` option that restores
the Visual-RFT / VLM-R1 originals where our rules differ, each on hand-computed values."""

from __future__ import annotations

import pytest

from vision_r1.rewards import compute_score

T = "<think>t</think>"
CAT = '[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}]'
PAIR = '[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}, {"bbox_2d": [20, 20, 30, 30], "label": "dog"}]'


def score(kind: str, answer: str, truth: str, **extra) -> dict[str, float]:
    return compute_score("x", f"{T}<answer>{answer}</answer>", truth, {"reward": kind, **extra})


def test_ap50_is_ap_at_iou_one_half_and_map_averages_ten_thresholds() -> None:
    answer = '[{"bbox_2d": [0, 0, 10, 6], "label": "cat"}]'  # IoU 0.6 with the truth
    assert score("map50", answer, CAT)["accuracy"] == pytest.approx(1.0)
    assert score("map", answer, CAT)["accuracy"] == pytest.approx(0.3)  # matched at 0.50, 0.55, 0.60 only


def test_swapped_labels_score_nothing() -> None:
    swapped = '[{"bbox_2d": [0, 0, 10, 10], "label": "dog"}, {"bbox_2d": [20, 20, 30, 30], "label": "cat"}]'
    assert score("map", swapped, PAIR)["accuracy"] == 0.0
    assert score("map", PAIR, PAIR)["accuracy"] == pytest.approx(1.0)


def test_od_length_divides_by_the_surplus_of_predicted_boxes() -> None:
    two = '[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}, {"bbox_2d": [50, 50, 60, 60], "label": "cat"}]'
    assert score("map", two, CAT)["accuracy"] == pytest.approx(
        1.0
    )  # the true box is listed (and scored) first
    assert score("map_length", two, CAT)["accuracy"] == pytest.approx(0.5)  # x min(1, 1 truth / 2 predicted)
    assert score("map_length", CAT, CAT)["accuracy"] == pytest.approx(1.0)


def test_vlm_r1_rules_ignore_predicted_scores() -> None:
    answer = (
        '[{"bbox_2d": [50, 50, 60, 60], "label": "cat", "score": 0.1},'
        ' {"bbox_2d": [0, 0, 10, 10], "label": "cat", "score": 0.9}]'
    )
    assert score("map", answer, CAT)["accuracy"] == pytest.approx(
        1.0
    )  # ours: the confident true box ranks first
    assert score("map", answer, CAT, reward_rules="vlm_r1")["accuracy"] == pytest.approx(
        0.5
    )  # VLM-R1: all 1.0, answer order


def test_visual_rft_detection_rules() -> None:
    truth = "[[0, 0, 10, 10]]"
    missing = "[{'Position': [0, 0, 10, 10]}]"
    assert score("detection", missing, truth)["accuracy"] == pytest.approx(1.0)
    assert score("detection", missing, truth, reward_rules="visual_rft")["score"] == 1.0  # format only
    duplicates = (
        "[{'Position': [0, 0, 10, 10], 'Confidence': 0.3}, {'Position': [0, 0, 10, 10], 'Confidence': 0.9}]"
    )
    assert score("detection", duplicates, truth)["confidence"] == pytest.approx(
        0.9
    )  # the confident one stays
    assert score("detection", duplicates, truth, reward_rules="visual_rft")["confidence"] == pytest.approx(
        0.3
    )
    half = "[{'Position': [0, 0, 10, 5], 'Confidence': 1.0}]"  # IoU exactly 0.5
    assert score("detection", half, truth)["accuracy"] == pytest.approx(0.5)
    assert score("detection", half, truth, reward_rules="visual_rft")["accuracy"] == 0.0  # needs IoU > 0.5
    assert score("detection", "No Objects", "[]")["score"] == 3.0
    assert score("detection", "No Objects", "[]", reward_rules="visual_rft")["score"] == 1.0
    with pytest.raises(ValueError, match="unknown reward_rules 'visualrft'"):
        score("detection", half, truth, reward_rules="visualrft")


def test_visual_rft_giou_scale_and_classification_substring() -> None:
    assert score("giou", "(0, 0), (10, 10)", "[0, 0, 10, 10]")["score"] == 2.0
    assert score("giou", "(0, 0), (10, 10)", "[0, 0, 10, 10]", reward_rules="visual_rft")["score"] == 3.0
    apart = score("giou", "(20, 0), (30, 10)", "[0, 0, 10, 10]", reward_rules="visual_rft")
    assert apart["score"] == pytest.approx(
        1.0 + (1 - 100 / 300)
    )  # GIoU -1/3 (hull 300, union 200), + 1, + format
    assert score("classification", "", "daisy")["accuracy"] == 0.0
    assert score("classification", "", "daisy", reward_rules="visual_rft")["accuracy"] == pytest.approx(1.0)
    assert score("classification", "a Daisy flower", "daisy", reward_rules="visual_rft")[
        "accuracy"
    ] == pytest.approx(1.0)
