"""`vision-r1 data convert` for the grounding, detection and classification sources (VLM-R1, Visual-RFT,
RefCOCO, COCO OVD, image folders, LISA): boxes in image pixels, labels and reward methods kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from convert_helpers import convert, converted_rows, rejected, save_png, vlm_r1_row, write_jsonl
from PIL import Image

from vision_r1.data import iter_rows
from vision_r1.data.convert.boxes import BoxTarget, ResizePolicy
from vision_r1.data.convert.coco import COCO_OVD_BASE, COCO_OVD_NOVEL


def test_vlm_r1_files_folders_and_reward_methods(tmp_path: Path) -> None:
    save_png(tmp_path / "f1" / "a.png", (640, 480))
    save_png(tmp_path / "f2" / "b.png", (100, 100))
    file1 = write_jsonl(tmp_path / "rec.jsonl", [
        vlm_r1_row(1, "a.png", "<image>Please provide the bounding box of: the dog",
                   '<answer>{"bbox_2d": [64, 48, 320, 240]}</answer>'),
        vlm_r1_row(2, "a.png", "<image>box?", "[1, 2, 900, 3]"),
    ])  # fmt: skip
    file2 = write_jsonl(tmp_path / "qa.jsonl", [
        vlm_r1_row(3, ["b.png"], "<image>How many?", "3"),
        vlm_r1_row(4, "b.png", "<image>Pick A or B", "<answer>B</answer>", accu_reward_method="mcq"),
        vlm_r1_row(5, "b.png", "x", "y", accu_reward_method="llm"),
    ])  # fmt: skip
    out = tmp_path / "rl.parquet"
    rows = {r["extra_info"]["id"]: r for r in converted_rows(
        f"{file1}:{file2}", out, "--from", "vlm-r1", "--image-root", f"{tmp_path / 'f1'}:{tmp_path / 'f2'}",
        "--reward-method", "iou:default", "--max-pixels", str(320 * 252),
    )}  # fmt: skip
    assert set(rows) == {"1", "3", "4"}
    rec = rows["1"]["extra_info"]
    assert rec["reward"] == "iou" and rec["coordinate_space"] == "model_input"
    assert rec["image_size"] == [640, 480] and rec["model_input_size"] == [308, 224]
    # the truth stays in image pixels; the question asks for the model's 308x224 frame
    assert json.loads(rows["1"]["reward_model"]["ground_truth"]) == [64, 48, 320, 240]
    assert "[x1, y1, x2, y2]" in rec["question"] and "308x224" in rec["question"]
    assert (rows["3"]["extra_info"]["reward"], rows["3"]["reward_model"]["ground_truth"]) == ("r1v", "3")
    assert rows["4"]["reward_model"]["ground_truth"] == "B"
    reasons = {r["row"]: r for r in rejected(out)}
    assert reasons[1]["field"] == "answer" and reasons[1]["file"] == str(file1)
    assert reasons[2]["field"] == "accu_reward_method" and "llm" in reasons[2]["reason"]
    code, output = convert(str(file1), str(out), "--from", "vlm-r1", "--image-root", f"{tmp_path}:{tmp_path}")
    assert code == 1 and "one folder" in output


def test_visual_rft_classification_and_detection(tmp_path: Path) -> None:
    save_png(tmp_path / "flower.png", (200, 100))
    records = [
        {
            "image_path": "flower.png",
            "problem": "What species is this flower?",
            "solution": "<answer>daisy</answer>",
        },
        {
            "image_path": "flower.png",
            "problem": "Detect all daisies.",
            "solution": "<answer>[{'Position': [100, 200, 500, 600], 'Confidence': 1}]</answer>",
        },
        {
            "image_path": "flower.png",
            "problem": "Detect all roses.",
            "solution": "<answer>No Objects</answer>",
        },
    ]
    (tmp_path / "rft.json").write_text(json.dumps(records))
    out = tmp_path / "rl.parquet"
    rows = converted_rows(
        str(tmp_path / "rft.json"), out, "--from", "visual-rft", "--coordinate-space", "pixel"
    )
    assert (rows[0]["extra_info"]["reward"], rows[0]["reward_model"]["ground_truth"]) == (
        "classification",
        "daisy",
    )
    assert rows[0]["ability"] == "classification" and rows[0]["data_source"] == "visual_rft/classification"
    assert json.loads(rows[1]["reward_model"]["ground_truth"]) == [[20, 20, 100, 60]]
    assert (
        rows[1]["extra_info"]["reward"] == "detection"
        and "200x100 image" in rows[1]["extra_info"]["question"]
    )
    assert rows[2]["reward_model"]["ground_truth"] == "[]"


def test_refcoco_records_xywh_one_row_per_expression(tmp_path: Path) -> None:
    save_png(tmp_path / "coco" / "img1.jpg", (100, 80))
    records = [
        {
            "image": "img1.jpg",
            "sentences": [{"sent": "the left cat"}, {"sent": "cat on the left"}],
            "bbox": [10, 20, 30, 40],
            "ref_id": 7,
        },
        {"file_name": "img1.jpg", "expression": "the sky", "bbox": [90, 70, 30, 30], "ref_id": 8},
        {"file_name": "img1.jpg", "bbox": [1, 1, 2, 2]},
    ]
    write_jsonl(tmp_path / "refs.jsonl", records)
    out = tmp_path / "rec.parquet"
    rows = converted_rows(
        str(tmp_path / "refs.jsonl"), out, "--from", "refcoco", "--image-root", str(tmp_path / "coco"),
        "--box-format", "xywh", "--coordinate-space", "norm1000", "--reward", "giou",
    )  # fmt: skip
    assert [r["extra_info"]["id"] for r in rows] == ["7-0", "7-1"]
    assert json.loads(rows[0]["reward_model"]["ground_truth"]) == [10, 20, 40, 60]
    assert rows[0]["extra_info"]["question"].startswith("Locate the left cat in the image.")
    assert "0 to 1000" in rows[0]["extra_info"]["question"] and rows[0]["extra_info"]["reward"] == "giou"
    assert {(r["row"], r["field"]) for r in rejected(out)} == {(1, "answer"), (2, "expression")}


def test_coco_category_rows_with_ovd_split_and_negatives(tmp_path: Path) -> None:
    assert (
        len(COCO_OVD_BASE) == 48
        and len(COCO_OVD_NOVEL) == 17
        and not set(COCO_OVD_BASE) & set(COCO_OVD_NOVEL)
    )
    save_png(tmp_path / "images" / "1.jpg", (200, 100))
    save_png(tmp_path / "images" / "2.jpg", (50, 50))
    annotations = {
        "images": [
            {"id": 1, "file_name": "1.jpg", "width": 200, "height": 100},
            {"id": 2, "file_name": "2.jpg", "width": 60, "height": 50},
        ],
        "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "cat"}, {"id": 3, "name": "car"}],
        "annotations": [
            {"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 30], "iscrowd": 0},
            {"image_id": 1, "category_id": 1, "bbox": [50, 10, 20, 30], "iscrowd": 0},
            {"image_id": 1, "category_id": 1, "bbox": [0, 0, 200, 100], "iscrowd": 1},
            {"image_id": 1, "category_id": 2, "bbox": [100, 50, 40, 40], "iscrowd": 0},
            {"image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "iscrowd": 0},
        ],
    }
    (tmp_path / "instances.json").write_text(json.dumps(annotations))
    out = tmp_path / "base.parquet"
    rows = converted_rows(
        str(tmp_path / "instances.json"), out, "--from", "coco", "--image-root", str(tmp_path / "images"),
        "--categories", "base", "--negatives", "1", "--coordinate-space", "pixel",
    )  # fmt: skip
    by_category = {r["extra_info"]["id"]: json.loads(r["reward_model"]["ground_truth"]) for r in rows}
    assert by_category == {"coco-1-person": [[10, 10, 30, 40], [50, 10, 70, 40]], "coco-1-car": []}
    assert "Detect every person" in rows[0]["extra_info"]["question"]
    assert [(r["row"], r["field"]) for r in rejected(out)] == [(1, "images"), (1, "images")]
    novel = tmp_path / "novel.parquet"
    convert(
        str(tmp_path / "instances.json"),
        str(novel),
        "--from",
        "coco",
        "--image-root",
        str(tmp_path / "images"),
        "--categories",
        "novel",
    )
    (cat_row,) = iter_rows(novel)
    assert cat_row["extra_info"]["id"] == "coco-1-cat" and cat_row["extra_info"]["model_input_size"] == [
        196,
        112,
    ]


def test_model_input_frame_follows_the_processor(tiny_model_dir: Path) -> None:
    from qwen_vl_utils import fetch_image
    from transformers import AutoProcessor

    tiny = ResizePolicy.from_processor_dir(tiny_model_dir)
    assert (tiny.factor, tiny.min_pixels, tiny.max_pixels) == (28, 4 * 28 * 28, 64 * 28 * 28)
    image_processor = AutoProcessor.from_pretrained(tiny_model_dir).image_processor
    for size in [(640, 480), (100, 37), (1000, 1000), (50, 50), (224, 224)]:
        seen = fetch_image({"image": Image.new("RGB", size)})  # what verl's RLHFDataset hands the processor
        _, grid_h, grid_w = image_processor(images=[seen], return_tensors="pt")["image_grid_thw"][0].tolist()
        assert tiny.model_input_size(*size) == (grid_w * 14, grid_h * 14), size
    assert ResizePolicy().model_input_size(640, 480) == (644, 476)
    assert BoxTarget("model_input", tiny).frame((640, 480)) == (252, 168)


def test_unknown_format_is_rejected(tmp_path: Path) -> None:
    code, output = convert(str(tmp_path), str(tmp_path / "o.parquet"), "--from", "csv")
    assert code != 0 and "unknown format" in output


def test_vlm_r1_ovd_keeps_labels_and_method_kinds_and_truths_stay_in_pixels(tmp_path: Path) -> None:
    from vision_r1.rewards import compute_score

    save_png(tmp_path / "img" / "a.png", (640, 480))
    solution = '```json\n[{"bbox_2d": [64, 48, 320, 240], "label": "cat"}, {"bbox_2d": [400, 300, 600, 460], "label": "dog"}]\n```'
    rows = [
        vlm_r1_row(
            m, "a.png", "<image>Find cats and dogs.", f"<answer>{solution}</answer>", accu_reward_method=m
        )
        for m in ("od_ap", "od_ap50", "odLength")
    ] + [
        vlm_r1_row("none", "a.png", "<image>Find birds.", "<answer>None</answer>", accu_reward_method="od_ap")
    ]
    write_jsonl(tmp_path / "ovd.jsonl", rows)
    out = tmp_path / "ovd.parquet"
    converted = {r["extra_info"]["id"]: r for r in converted_rows(
        str(tmp_path / "ovd.jsonl"), out, "--from", "vlm-r1", "--image-root", str(tmp_path / "img"),
        "--max-pixels", str(320 * 252),
    )}  # fmt: skip
    assert {k: r["extra_info"]["reward"] for k, r in converted.items()} == {
        "od_ap": "map", "od_ap50": "map50", "odLength": "map_length", "none": "map",
    }  # fmt: skip
    row = converted["od_ap"]
    truth = row["reward_model"]["ground_truth"]
    assert json.loads(truth) == [
        {"bbox_2d": [64, 48, 320, 240], "label": "cat"},
        {"bbox_2d": [400, 300, 600, 460], "label": "dog"},
    ]
    assert json.loads(converted["none"]["reward_model"]["ground_truth"]) == []
    extra = {k: v for k, v in row["extra_info"].items() if v is not None}
    assert extra["model_input_size"] == [308, 224] and extra["image_id"] == "od_ap"
    # the model answers in its 308x224 frame; the reward maps that back to the 640x480 truth
    sx, sy = 308 / 640, 224 / 480
    right = [{"bbox_2d": [64 * sx, 48 * sy, 320 * sx, 240 * sy], "label": "cat"},
             {"bbox_2d": [400 * sx, 300 * sy, 600 * sx, 460 * sy], "label": "dog"}]  # fmt: skip
    swapped = [dict(box, label=other) for box, other in zip(right, ("dog", "cat"), strict=True)]
    answer = "<think>t</think><answer>{}</answer>"
    assert compute_score("vlm_r1", answer.format(json.dumps(right)), truth, extra)[
        "accuracy"
    ] == pytest.approx(1.0)
    assert compute_score("vlm_r1", answer.format(json.dumps(swapped)), truth, extra)["accuracy"] == 0.0


def test_image_folder_few_shot_sets_nest_and_name_the_class(tmp_path: Path) -> None:
    for label in ("pink_primrose", "sunflower"):
        for index in range(6):
            save_png(tmp_path / "flowers" / label / f"{index}.jpg", (40, 30))
    (tmp_path / "flowers" / "sunflower" / "broken.png").write_bytes(b"not an image")
    sets = {}
    for shots in (2, 4):
        out = tmp_path / f"{shots}shot.parquet"
        sets[shots] = {r["extra_info"]["id"]: r for r in converted_rows(
            str(tmp_path / "flowers"), out, "--from", "image-folder", "--shots", str(shots),
            "--seed", "5", "--data-source", "flowers102",
        )}  # fmt: skip
    assert set(sets[2]) < set(sets[4])  # the 4-shot set holds the 2-shot set
    assert sum(key.startswith("pink_primrose/") for key in sets[2]) == 2
    row = sets[2][next(k for k in sets[2] if k.startswith("pink_primrose/"))]
    assert row["reward_model"]["ground_truth"] == "pink primrose" and row["data_source"] == "flowers102"
    assert (
        row["extra_info"]["reward"] == "classification"
        and "species of the flower" in row["extra_info"]["question"]
    )
    everything = tmp_path / "all.parquet"
    code, output = convert(str(tmp_path / "flowers"), str(everything), "--from", "image-folder")
    assert code == 0 and "12 rows written, 13 read, 1 skipped" in output
    assert rejected(everything)[0]["field"] == "images"


def test_visual_rft_lisa_grounding_boxes(tmp_path: Path) -> None:
    save_png(tmp_path / "room.png", (200, 100))
    records = [
        {"image_path": "room.png", "problem": "Where would you sit?", "solution": "<answer>(100,200),(500,600)</answer>"},
        {"image_path": "room.png", "problem": "Where?", "solution": "<answer>somewhere</answer>"},
    ]  # fmt: skip
    (tmp_path / "lisa.json").write_text(json.dumps(records))
    out = tmp_path / "lisa.parquet"
    (row,) = converted_rows(str(tmp_path / "lisa.json"), out, "--from", "visual-rft", "--task", "grounding")
    assert (row["data_source"], row["extra_info"]["reward"]) == ("lisa", "giou")
    assert json.loads(row["reward_model"]["ground_truth"]) == [20, 20, 100, 60]  # 0-1000 -> pixels
    assert rejected(out)[0]["field"] == "answer"
