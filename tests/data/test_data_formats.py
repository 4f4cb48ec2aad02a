"""RL / SFT / cold-start input writers: the shared-contract columns, templates, streaming and partial files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from vision_r1.data import (
    TEMPLATES,
    Example,
    RowError,
    encode_png,
    example_from_rl_row,
    iter_coldstart_input,
    iter_rows,
    load_template,
    rl_row,
    sft_row,
    single_turn_sft_row,
    validate_example,
    write_coldstart_input,
    write_rl_parquet,
    write_sft_parquet,
)
from vision_r1.data.parquet_io import StreamingParquetWriter, partial_path
from vision_r1.data.rl_format import RL_SCHEMA


def png(width: int = 56, height: int = 28, color: str = "red") -> bytes:
    return encode_png(Image.new("RGB", (width, height), color))


def math_example(index: int = 0, **overrides) -> Example:
    fields = dict(
        id=f"ex-{index}",
        data_source="unit/math",
        images=[png()],
        question="What is 2 + 3?",
        answer="5",
        reward="hfrrf",
    )
    fields.update(overrides)
    return validate_example(Example(**fields))


def test_rl_row_follows_the_shared_contract(tmp_path: Path) -> None:
    examples = [math_example(0), math_example(1, choices=["4", "5"], answer="B")]
    assert write_rl_parquet(examples, tmp_path / "rl.parquet") == 2
    rows = list(iter_rows(tmp_path / "rl.parquet"))
    first = rows[0]
    assert first["data_source"] == "unit/math"
    assert first["prompt"] == [{"role": "user", "content": "<image>What is 2 + 3?"}]
    assert Image.open(io.BytesIO(first["images"][0]["bytes"])).size == (56, 28)
    assert first["ability"] == "math"
    assert first["reward_model"] == {"style": "rule", "ground_truth": "5"}
    extra = first["extra_info"]
    assert (extra["index"], extra["question"], extra["answer"], extra["reward"]) == (
        0,
        "What is 2 + 3?",
        "5",
        "hfrrf",
    )
    assert extra["image_size"] == [56, 28] and extra["choices"] is None and extra["coordinate_space"] is None
    assert rows[1]["extra_info"]["choices"] == ["4", "5"] and rows[1]["extra_info"]["index"] == 1
    assert pq.read_schema(tmp_path / "rl.parquet").equals(RL_SCHEMA)


def test_zero_template_adds_the_r1_system_prompt(tmp_path: Path) -> None:
    write_rl_parquet([math_example()], tmp_path / "zero.parquet", TEMPLATES["zero"])
    prompt = next(iter_rows(tmp_path / "zero.parquet"))["prompt"]
    assert [m["role"] for m in prompt] == ["system", "user"]
    assert "<think>" in prompt[0]["content"] and "<answer>" in prompt[0]["content"]


def test_custom_template_file(tmp_path: Path) -> None:
    spec = tmp_path / "mine.yaml"
    spec.write_text("system: Be brief.\nuser: 'Q: {question}'\n")
    template = load_template(spec)
    write_rl_parquet([math_example()], tmp_path / "t.parquet", template)
    prompt = next(iter_rows(tmp_path / "t.parquet"))["prompt"]
    assert prompt == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q: <image>What is 2 + 3?"},
    ]
    (tmp_path / "bad.yaml").write_text("user: no placeholder\n")
    with pytest.raises(ValueError, match="question"):
        load_template(tmp_path / "bad.yaml")
    with pytest.raises(ValueError, match="unknown prompt template"):
        load_template("nope")


def test_question_with_its_own_image_tags_is_kept() -> None:
    example = math_example(images=[png(), png(color="blue")], question="Compare <image> with <image>.")
    assert rl_row(example, 0)["prompt"][0]["content"] == "Compare <image> with <image>."
    with pytest.raises(RowError, match="1 <image> tag"):
        math_example(images=[png(), png()], question="Look at <image>.")


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"question": "  "}, "question", "empty question"),
        ({"answer": ""}, "answer", "missing answer"),
        ({"images": [b"not an image"]}, "images", "cannot decode"),
        ({"images": []}, "images", "no image"),
        ({"reward": "bleu"}, "extra_info.reward", "unknown reward kind"),
        ({"reward": "iou", "answer": "[0, 0, 60, 10]", "coordinate_space": "pixel"}, "answer", "outside"),
        ({"reward": "iou", "answer": "[5, 5, 2, 9]", "coordinate_space": "pixel"}, "answer", "inverted"),
        (
            {"reward": "detection", "answer": "[[0, 0, 1, 2, 3]]", "coordinate_space": "pixel"},
            "answer",
            "4 finite",
        ),
        (
            {"reward": "iou", "answer": "[1, 1, 9, 9]", "coordinate_space": "model_input"},
            "extra_info.model_input_size",
            "required",
        ),
    ],
)
def test_bad_examples_name_field_and_reason(overrides: dict, field: str, reason: str) -> None:
    with pytest.raises(RowError, match=reason) as caught:
        math_example(**overrides)
    assert caught.value.field == field


def test_box_rows_in_each_coordinate_space_validate() -> None:
    rec = math_example(reward="iou", answer="[0, 0, 56, 28]", coordinate_space="pixel")
    assert rec.ability == "grounding"
    norm = math_example(reward="giou", answer="[0, 0, 56, 28]", coordinate_space="norm1000")
    assert norm.image_size == (56, 28)
    det = math_example(
        reward="detection",
        answer="[[1, 1, 50, 20]]",
        coordinate_space="model_input",
        model_input_size=(112, 56),
    )
    assert det.ability == "detection"
    assert math_example(reward="map", answer="[]", coordinate_space="pixel").answer == "[]"


def test_rl_row_round_trips_to_an_example(tmp_path: Path) -> None:
    original = math_example(reward="iou", answer="[1, 2, 30, 20]", coordinate_space="pixel")
    write_rl_parquet([original], tmp_path / "rec.parquet", TEMPLATES["zero"])
    back = validate_example(example_from_rl_row(next(iter_rows(tmp_path / "rec.parquet"))))
    assert (back.question, back.answer, back.reward, back.coordinate_space) == (
        original.question,
        original.answer,
        "iou",
        "pixel",
    )
    assert back.images == original.images and back.image_size == (56, 28)


def test_sft_rows_and_their_checks(tmp_path: Path) -> None:
    row = single_turn_sft_row("How many?", [png()], "I count two.", "Final Answer: 2")
    assert row["messages"] == [
        {"role": "user", "content": "<image>How many?"},
        {"role": "assistant", "content": "<think>\nI count two.\n</think><answer>Final Answer: 2</answer>"},
    ]
    assert write_sft_parquet([row, row], tmp_path / "sft.parquet") == 2
    assert [r["messages"] for r in iter_rows(tmp_path / "sft.parquet")] == [row["messages"]] * 2
    with pytest.raises(RowError, match="2 <image> tag"):
        sft_row(
            [{"role": "user", "content": "<image><image>"}, {"role": "assistant", "content": "x"}], [png()]
        )
    with pytest.raises(RowError, match="expected 'assistant'"):
        sft_row([{"role": "user", "content": "<image>a"}, {"role": "user", "content": "b"}], [png()])
    with pytest.raises(RowError, match="does not end with an assistant"):
        sft_row([{"role": "user", "content": "<image>a"}], [png()])
    with pytest.raises(RowError, match="cannot decode"):
        single_turn_sft_row("q", [b"\x89PNG broken"], "t", "a")


def test_coldstart_input_table(tmp_path: Path) -> None:
    examples = [
        math_example(0),
        math_example(1, choices=["4", "5"], answer="B", question="2+3?\nChoices:\n(A) 4\n(B) 5"),
    ]
    assert write_coldstart_input(examples, tmp_path / "cs.parquet") == 2
    rows = list(iter_coldstart_input(tmp_path / "cs.parquet"))
    assert set(rows[0]) == {"id", "images", "question", "answer", "choices", "data_source"}
    assert rows[0]["choices"] is None and rows[1]["choices"] == ["4", "5"] and rows[1]["answer"] == "B"
    assert rows[1]["images"][0]["bytes"] == examples[1].images[0]


def test_streaming_writer_uses_small_row_groups_and_keeps_partial_files(tmp_path: Path) -> None:
    target = tmp_path / "big.parquet"
    write_rl_parquet((math_example(i) for i in range(130)), target)
    assert pq.ParquetFile(target).num_row_groups == 3
    assert not partial_path(target).exists()

    failing = tmp_path / "failing.parquet"
    with pytest.raises(RuntimeError), StreamingParquetWriter(failing, RL_SCHEMA) as writer:
        for index in range(70):
            writer.write(rl_row(math_example(index), index))
        raise RuntimeError("interrupted")
    assert not failing.exists()
    assert pq.read_table(partial_path(failing)).num_rows == 70


def test_export_sharegpt_for_llama_factory(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vision_r1.cli import app

    rows = [
        single_turn_sft_row("How many?", [png(), png(color="blue")], "Two.", "Final Answer: 2"),
        single_turn_sft_row("Colour?", [png(color="green")], "Green.", "Final Answer: green"),
    ]
    write_sft_parquet(rows, tmp_path / "sft.parquet")
    result = CliRunner().invoke(
        app,
        ["data", "export-sharegpt", str(tmp_path / "sft.parquet"), str(tmp_path / "lf"), "--name", "mine"],
    )
    assert result.exit_code == 0, result.output
    records = json.loads((tmp_path / "lf" / "mine.json").read_text())
    assert [r["messages"] for r in records] == [row["messages"] for row in rows]
    assert records[0]["images"] == ["images/00000000_0.png", "images/00000000_1.png"]
    assert (tmp_path / "lf" / records[1]["images"][0]).read_bytes() == rows[1]["images"][0]["bytes"]
    info = json.loads((tmp_path / "lf" / "dataset_info.json").read_text())
    assert info["mine"]["formatting"] == "sharegpt" and info["mine"]["file_name"] == "mine.json"
    assert info["mine"]["columns"] == {"messages": "messages", "images": "images"}
