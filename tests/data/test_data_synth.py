"""`vision-r1 data synth`: deterministic files whose answers can be read back from the pixels."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image
from typer.testing import CliRunner

from vision_r1.cli import app
from vision_r1.data import iter_coldstart_input, iter_rows
from vision_r1.data.synth import synth_example, write_synth_dataset
from vision_r1.data.synth.drawing import COLORS
from vision_r1.data.synth.figures import CHART_BOTTOM, CHART_MAX, CHART_TOP

ALL_TASKS = ["counting", "arithmetic", "bar_chart", "triangle", "rec", "detection"]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_synth_dataset(out, 120, seed=7)
    return out


def pixels(row: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(row["images"][0]["bytes"])).convert("RGB"))


def test_files_and_manifest(synth_dir: Path) -> None:
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    assert manifest["files"]["rl_train.parquet"] == 120 and manifest["files"]["rl_val.parquet"] == 12
    per_source = manifest["train_rows_per_source"]
    assert sum(per_source.values()) == 120
    assert {f"synth/{task}" for task in ALL_TASKS} == set(per_source)
    box_rows = per_source["synth/rec"] + per_source["synth/detection"]
    assert manifest["files"]["coldstart_input.parquet"] == 120 - box_rows
    assert pq.read_metadata(synth_dir / "rl_train.parquet").num_rows == 120


def test_same_seed_same_rows_other_seed_other_rows(synth_dir: Path, tmp_path: Path) -> None:
    again = write_synth_dataset(tmp_path / "again", 120, seed=7)
    assert (
        again["train_rows_per_source"]
        == json.loads((synth_dir / "manifest.json").read_text())["train_rows_per_source"]
    )
    first = pq.read_table(synth_dir / "rl_train.parquet")
    assert first.equals(pq.read_table(tmp_path / "again" / "rl_train.parquet"))
    other = synth_example(8, 0, ALL_TASKS)
    assert (other.images, other.question) != (
        synth_example(7, 0, ALL_TASKS).images,
        synth_example(7, 0, ALL_TASKS).question,
    )
    # Row i does not depend on n: a longer set starts with the shorter one.
    assert (
        synth_example(7, 5, ALL_TASKS).images[0]
        == next(row for row in iter_rows(synth_dir / "rl_train.parquet") if row["extra_info"]["index"] == 5)[
            "images"
        ][0]["bytes"]
    )


def test_validation_rows_are_not_training_rows(synth_dir: Path) -> None:
    train_ids = {row["extra_info"]["id"] for row in iter_rows(synth_dir / "rl_train.parquet")}
    val_ids = {row["extra_info"]["id"] for row in iter_rows(synth_dir / "rl_val.parquet")}
    assert len(val_ids) == 12 and not train_ids & val_ids


def test_rec_and_detection_boxes_cover_the_named_shape(synth_dir: Path) -> None:
    checked = 0
    for row in iter_rows(synth_dir / "rl_train.parquet"):
        extra = row["extra_info"]
        if extra["reward"] not in ("iou", "detection"):
            continue
        color = re.search(r"(?:Locate the|Detect every) (\w+) ", extra["question"]).group(1)
        boxes = json.loads(row["reward_model"]["ground_truth"])
        boxes = [boxes] if extra["reward"] == "iou" else boxes
        image = pixels(row)
        for x1, y1, x2, y2 in boxes:
            assert tuple(image[(y1 + y2) // 2, (x1 + x2) // 2]) == COLORS[color]
            assert tuple(image[max(y1 - 2, 0), max(x1 - 2, 0)]) != COLORS[color] or y1 < 2
        assert extra["coordinate_space"] == "pixel" and extra["image_size"] == [224, 224]
        assert "224x224" in extra["question"]
        checked += 1
    assert checked > 0


def test_bar_chart_values_match_the_drawn_bars(synth_dir: Path) -> None:
    checked = 0
    for row in iter_rows(synth_dir / "rl_train.parquet"):
        question = row["extra_info"]["question"]
        if (
            row["data_source"] != "synth/bar_chart"
            or "labelled" not in question
            or row["extra_info"]["choices"]
        ):
            continue
        image = pixels(row)
        blue = np.all(image == (31, 90, 200), axis=-1)
        columns = [x for x in range(image.shape[1]) if blue[:, x].any()]
        bars = np.split(columns, np.where(np.diff(columns) > 1)[0] + 1)
        heights = [CHART_BOTTOM - np.argmax(blue[:, int(bar.mean())]) for bar in bars]
        values = [round(h / ((CHART_BOTTOM - CHART_TOP) / CHART_MAX)) for h in heights]
        label = re.search(r"labelled '(\w+)'", question).group(1)
        position = ("cat", "dog", "fox", "owl", "bee").index(label)
        assert str(values[position]) == row["reward_model"]["ground_truth"]
        checked += 1
    assert checked > 0


def test_multiple_choice_answer_is_the_letter_of_the_right_option(synth_dir: Path) -> None:
    mc = [row for row in iter_coldstart_input(synth_dir / "coldstart_input.parquet") if row["choices"]]
    assert mc, "expected some multiple-choice rows"
    for row in mc:
        letter = row["answer"]
        assert f"({letter}) " in row["question"]
        assert len(row["choices"]) == len(set(row["choices"])) >= 3


def test_synth_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "data",
            "synth",
            str(tmp_path),
            "--n",
            "6",
            "--seed",
            "1",
            "--tasks",
            "counting,triangle",
            "--template",
            "zero",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(iter_rows(tmp_path / "rl_train.parquet"))
    assert {row["data_source"] for row in rows} <= {"synth/counting", "synth/triangle"}
    assert all(row["prompt"][0]["role"] == "system" for row in rows)
    bad = CliRunner().invoke(app, ["data", "synth", str(tmp_path / "x"), "--tasks", "poetry"])
    assert bad.exit_code != 0 and "poetry" in bad.output


def test_task_kinds_for_the_visual_rft_and_vlm_r1_recipes(tmp_path: Path) -> None:
    """ovd / grounding / classification only when asked for; their truths are what the pixels show."""
    from vision_r1.data.synth.drawing import SHAPES
    from vision_r1.data.synth.scenes import GROUNDING_DESCRIPTIONS

    manifest = write_synth_dataset(tmp_path, 24, seed=3, tasks=["ovd", "grounding", "classification"])
    assert set(manifest["train_rows_per_source"]) == {"synth/ovd", "synth/grounding", "synth/classification"}
    assert manifest["files"]["coldstart_input.parquet"] == 0  # no math rows: nothing for the cold start
    for row in iter_rows(tmp_path / "rl_train.parquet"):
        extra, image = row["extra_info"], pixels(row)
        truth = (
            None if extra["reward"] == "classification" else json.loads(row["reward_model"]["ground_truth"])
        )
        if row["data_source"] == "synth/ovd":
            asked = set(re.search(r"Detect every (\w+) and (\w+) in", extra["question"]).groups())
            assert extra["reward"] == "map" and extra["image_id"] == extra["id"] and asked <= set(SHAPES)
            for box in truth:
                x1, y1, x2, y2 = box["bbox_2d"]
                assert box["label"] in asked and (image[(y1 + y2) // 2, (x1 + x2) // 2] != 255).any()
        elif row["data_source"] == "synth/grounding":
            kind = next(k for k, text in GROUNDING_DESCRIPTIONS.items() if text in extra["question"])
            assert extra["reward"] == "giou" and "(x1, y1), (x2, y2)" in extra["question"] and kind
            x1, y1, x2, y2 = truth
            assert (image[(y1 + y2) // 2, (x1 + x2) // 2] != 255).any()
        else:
            color, kind = row["reward_model"]["ground_truth"].split()
            assert extra["reward"] == "classification" and extra["category"] == f"{color} {kind}"
            assert np.all(image == COLORS[color], axis=-1).sum() > 500
