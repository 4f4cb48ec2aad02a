"""`vision-r1 data check`: bad rows named by file/row/field, lengths measured through verl's datasets."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from vision_r1.cli import app
from vision_r1.data import (
    RL_SCHEMA,
    SFT_SCHEMA,
    Example,
    StreamingParquetWriter,
    encode_png,
    rl_row,
    single_turn_sft_row,
    validate_example,
    write_sft_parquet,
)
from vision_r1.data.check import check_file
from vision_r1.data.synth import write_synth_dataset


@pytest.fixture(scope="module")
def processor(tiny_model_dir: Path):
    from transformers import AutoProcessor

    return AutoProcessor.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-check")
    write_synth_dataset(out, 16, seed=11)
    return out


def good_row(index: int, size: tuple[int, int] = (224, 224), **overrides) -> dict:
    fields = dict(
        id=f"r{index}", data_source="unit", images=[encode_png(Image.new("RGB", size, "white"))],
        question="What is shown?", answer="nothing", reward="math",
    )  # fmt: skip
    fields.update(overrides)
    return rl_row(validate_example(Example(**fields)), index)


def write_rl_rows(path: Path, rows: list[dict]) -> Path:
    with StreamingParquetWriter(path, RL_SCHEMA) as writer:
        for row in rows:
            writer.write(row)
    return path


def test_synth_files_pass_with_lengths_from_verl(synth_dir: Path, processor) -> None:
    report = check_file(synth_dir / "rl_train.parquet", processor, max_prompt_length=100)
    assert report.kind == "rl" and report.rows == 16 and not report.bad_rows
    assert report.images_per_row == {1: 16}
    assert len(report.prompt_lengths) == 16
    assert all(64 < length < 400 for length in report.prompt_lengths)  # 64 image tokens + text + template
    assert report.over_prompt_limit == sum(length > 100 for length in report.prompt_lengths) > 0
    coldstart = check_file(synth_dir / "coldstart_input.parquet", processor)
    assert (
        coldstart.kind == "coldstart"
        and not coldstart.bad_rows
        and len(coldstart.prompt_lengths) == coldstart.rows
    )


def test_every_kind_of_bad_rl_row_is_named(tmp_path: Path, processor) -> None:
    rows = [good_row(0)]
    corrupt = good_row(1)
    corrupt["images"][0]["bytes"] = corrupt["images"][0]["bytes"][:60]
    tags = good_row(2)
    tags["prompt"][0]["content"] = "<image><image>What is shown?"
    empty = good_row(3)
    empty["extra_info"]["question"] = ""
    empty["prompt"][0]["content"] = "<image>"
    no_answer = good_row(4)
    no_answer["reward_model"]["ground_truth"] = ""
    box = good_row(5, reward="iou", answer="[0, 0, 100, 100]", coordinate_space="pixel")
    box["reward_model"]["ground_truth"] = "[0, 0, 300, 100]"
    frame = good_row(
        6,
        size=(640, 480),
        reward="iou",
        answer="[0, 0, 10, 10]",
        coordinate_space="model_input",
        model_input_size=(640, 480),
    )
    no_image = copy.deepcopy(good_row(7))
    no_image["images"] = []
    rows += [corrupt, tags, empty, no_answer, box, frame, no_image, good_row(8)]
    path = write_rl_rows(tmp_path / "bad.parquet", rows)
    report = check_file(path, processor)
    found = {(bad.row, bad.field) for bad in report.bad_rows}
    assert found == {
        (1, "images"),
        (2, "prompt"),
        (3, "question"),
        (4, "answer"),
        (5, "answer"),
        (6, "extra_info.model_input_size"),
        (7, "prompt"),
    }
    reasons = {bad.row: bad.reason for bad in report.bad_rows}
    assert "cannot decode" in reasons[1] and "2 <image> tag(s) but 1 image(s)" in reasons[2]
    assert "outside" in reasons[5] and "[640, 480]" in reasons[6] and "[252, 168]" in reasons[6]
    assert all(bad.file == str(path) for bad in report.bad_rows)
    assert report.rows == 9 and len(report.prompt_lengths) == 3  # rows 0, 6 (measured, then flagged) and 8


def test_sft_check_counts_lengths_and_format(tmp_path: Path, processor) -> None:
    image = encode_png(Image.new("RGB", (224, 224), "white"))
    rows = [
        single_turn_sft_row("Count them.", [image], "I count one.", "Final Answer: 1"),
        {
            "messages": [
                {"role": "user", "content": "<image>Hi"},
                {"role": "assistant", "content": "no tags"},
            ],
            "images": [{"bytes": image}],
        },
    ]
    path = tmp_path / "sft.parquet"
    write_sft_parquet(rows, path)
    with StreamingParquetWriter(tmp_path / "bad_sft.parquet", SFT_SCHEMA) as writer:
        writer.write(rows[0])
        writer.write(
            {
                "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}],
                "images": [{"bytes": image}],
            }
        )
    report = check_file(path, processor, max_length=100)  # below 96 the cut falls inside row 0's image
    assert report.kind == "sft" and report.rows == 2 and not report.bad_rows
    assert report.without_think_format == 1
    prompt_first, total_first = report.prompt_lengths[0], report.sequence_lengths[0]
    assert 64 < prompt_first < total_first
    assert report.over_length_limit == sum(length > 100 for length in report.sequence_lengths)
    bad = check_file(tmp_path / "bad_sft.parquet", processor)
    assert [(b.row, b.field) for b in bad.bad_rows] == [(1, "messages")]
    assert "0 <image> tag(s) but 1 image(s)" in bad.bad_rows[0].reason


def test_check_command_exit_code_and_report(tmp_path: Path, synth_dir: Path, tiny_model_dir: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app, ["data", "check", str(synth_dir / "rl_val.parquet"), "--processor", str(tiny_model_dir)]
    )
    assert ok.exit_code == 0, ok.output
    assert "bad rows: 0" in ok.output and "p50=" in ok.output
    path = write_rl_rows(
        tmp_path / "bad.parquet",
        [good_row(0), {**good_row(1), "reward_model": {"style": "rule", "ground_truth": " "}}],
    )
    report_path = tmp_path / "report.json"
    result = runner.invoke(
        app,
        [
            "data",
            "check",
            str(path),
            "--processor",
            str(tiny_model_dir),
            "--report",
            str(report_path),
            "--max-prompt-length",
            "10",
        ],
    )
    assert result.exit_code == 1
    assert f"{path}: row 1: field 'answer': missing answer" in result.output
    report = json.loads(report_path.read_text())
    assert report["rows"] == 2 and report["rows_over_max_prompt_length"] == 1
    assert report["bad_rows"] == [
        {"file": str(path), "row": 1, "field": "answer", "reason": "missing answer"}
    ]


def test_converter_outputs_pass_check(tmp_path: Path, processor, tiny_model_dir: Path) -> None:
    """Box rows converted for the tiny processor's frame agree with what verl's processor call produces."""
    from vision_r1.data.convert.boxes import BoxTarget, ResizePolicy
    from vision_r1.data.convert.coco import coco_rows
    from vision_r1.data.convert.refcoco import refcoco_rows
    from vision_r1.data.convert.runner import run_conversion
    from vision_r1.data.convert.sharegpt import sharegpt_rows

    for name, size in (("wide.png", (640, 480)), ("tall.png", (90, 300))):
        Image.new("RGB", size, "gray").save(tmp_path / name)
    target = BoxTarget("model_input", ResizePolicy.from_processor_dir(tiny_model_dir))
    refs = [
        {"image": "wide.png", "expression": "the thing", "bbox": [10, 10, 600, 470]},
        {"image": "tall.png", "expression": "x", "bbox": [5, 5, 80, 290]},
    ]
    (tmp_path / "refs.json").write_text(json.dumps(refs))
    coco = {
        "images": [{"id": 1, "file_name": "tall.png", "width": 90, "height": 300}],
        "categories": [{"id": 1, "name": "pole"}],
        "annotations": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 90, 300]}],
    }
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    chat = [
        {
            "image": "wide.png",
            "conversations": [
                {"from": "human", "value": "Describe."},
                {"from": "gpt", "value": "<think>grey</think><answer>grey</answer>"},
            ],
        }
    ]
    (tmp_path / "chat.json").write_text(json.dumps(chat))
    outputs = {
        "rec.parquet": (refcoco_rows(tmp_path / "refs.json", [], target=target), "rl"),
        "coco.parquet": (coco_rows(tmp_path / "coco.json", tmp_path, target=target), "rl"),
        "sft.parquet": (sharegpt_rows(tmp_path / "chat.json", []), "sft"),
    }
    for name, (produced, kind) in outputs.items():
        conversion = run_conversion(produced, tmp_path / name, kind)
        assert conversion.written > 0 and not conversion.skipped
        report = check_file(tmp_path / name, processor)
        assert report.rows == conversion.written and not report.bad_rows, (name, report.bad_rows)
