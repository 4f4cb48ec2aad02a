"""Converters for the math and ShareGPT sources (and the JSON streaming under all of them), from small
fixture files written here, good rows and bad rows; the grounding and detection sources: test_data_convert_tasks.py."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from convert_helpers import convert, converted_rows, rejected, save_png

from vision_r1.data import iter_rows
from vision_r1.data.convert.json_stream import JsonFileError, iter_json_records


def test_json_array_streams_records_across_chunk_boundaries(tmp_path: Path, monkeypatch) -> None:
    import vision_r1.data.convert.json_stream as json_stream

    monkeypatch.setattr(json_stream, "CHUNK", 16)  # force records to straddle many reads
    records = [{"id": i, "text": "x" * (i * 7), "nested": {"a": [1, 2, {"b": "]"}]}} for i in range(40)]
    (tmp_path / "a.json").write_text(json.dumps(records, indent=1))
    assert [record for _, record in iter_json_records(tmp_path / "a.json")] == records
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r) for r in records[:3]) + "\n\n")
    assert [row for row, _ in iter_json_records(tmp_path / "b.jsonl")] == [0, 1, 2]
    (tmp_path / "bad.json").write_text('[{"a": 1}, {"a": ')
    with pytest.raises(JsonFileError, match="record 1"):
        list(iter_json_records(tmp_path / "bad.json"))
    (tmp_path / "obj.json").write_text('{"a": 1}')
    with pytest.raises(JsonFileError, match="expected a JSON array"):
        list(iter_json_records(tmp_path / "obj.json"))


def geometry_records(tmp_path: Path, container: str) -> list[dict]:
    """Two good rows, then: missing image file, undecodable image, empty question, missing answer.

    Images are given the way each container holds them: HF `{bytes, path}` structs in parquet and
    HF dirs, relative paths in JSONL."""
    save_png(tmp_path / "imgs" / "a.png")
    save_png(tmp_path / "imgs" / "inline.png", (30, 20), "blue")
    (tmp_path / "imgs" / "garbage.png").write_bytes(b"garbage")
    names = ["inline.png", "a.png", "missing.png", "garbage.png", "a.png", "a.png"]
    questions = ["<image>Find x.", "Find y.", "Find z.", "Find w.", "", "Find v."]
    answers = ["3", "\\frac{1}{2}", "1", "1", "1", None]
    records = []
    for name, question, answer in zip(names, questions, answers, strict=True):
        if container == "jsonl":
            image = f"imgs/{name}"
        elif name == "inline.png":
            image = {"bytes": (tmp_path / "imgs" / name).read_bytes(), "path": None}
        else:
            image = {"bytes": None, "path": f"imgs/{name}"}
        records.append({"images": [image], "problem": question, "answer": answer})
    return records


@pytest.mark.parametrize("container", ["parquet", "jsonl", "hf_dir"])
def test_geometry3k_from_each_container(tmp_path: Path, container: str) -> None:
    records = geometry_records(tmp_path, container)
    if container == "parquet":
        source = tmp_path / "g.parquet"
        datasets.Dataset.from_list(records).to_parquet(source)
    elif container == "jsonl":
        source = tmp_path / "g.jsonl"
        source.write_text("\n".join(json.dumps(record) for record in records) + "\n")
    else:
        # save_to_disk embeds image files, so only rows whose image exists can be stored this way.
        source = tmp_path / "hf"
        features = datasets.Features(
            {
                "images": datasets.List(datasets.Image()),
                "problem": datasets.Value("string"),
                "answer": datasets.Value("string"),
            }
        )
        stored = [
            {
                **r,
                "images": [
                    i if i["bytes"] else {"bytes": None, "path": str(tmp_path / i["path"])}
                    for i in r["images"]
                ],
            }
            for r in records[:2] + records[4:]
        ]
        datasets.DatasetDict({"train": datasets.Dataset.from_list(stored, features=features)}).save_to_disk(
            source
        )
    out = tmp_path / "rl.parquet"
    code, output = convert(str(source), str(out), "--from", "geometry3k", "--image-root", str(tmp_path))
    assert code == 0, output
    rows = list(iter_rows(out))
    assert [r["extra_info"]["answer"] for r in rows] == ["3", "\\frac{1}{2}"]
    assert (
        rows[0]["prompt"][0]["content"] == "<image>Find x."
        and rows[1]["prompt"][0]["content"] == "<image>Find y."
    )
    assert rows[0]["extra_info"]["image_size"] == [30, 20] and rows[1]["extra_info"]["image_size"] == [64, 48]
    assert all(r["extra_info"]["reward"] == "hfrrf" and r["data_source"] == "geometry3k" for r in rows)
    fields = sorted((r["row"], r["field"]) for r in rejected(out))
    if container == "hf_dir":
        assert fields == [(2, "question"), (3, "answer")]
    else:
        assert fields == [(2, "images"), (3, "images"), (4, "question"), (5, "answer")]
        assert "4 skipped" in output


def test_geometry3k_strict_stops_and_keeps_partial(tmp_path: Path) -> None:
    source = tmp_path / "g.jsonl"
    save_png(tmp_path / "a.png")
    lines = [{"images": ["a.png"], "problem": "Q", "answer": "1"}] * 2 + [
        {"images": ["nope.png"], "problem": "Q", "answer": "1"}
    ]
    source.write_text("\n".join(json.dumps(line) for line in lines))
    out = tmp_path / "rl.parquet"
    code, output = convert(str(source), str(out), "--from", "geometry3k", "--strict")
    assert code == 1
    assert f"{source}: row 2: field 'images'" in output and "nope.png" in output
    assert not out.exists() and (tmp_path / "rl.parquet.partial").exists()


def test_geometry3k_to_coldstart_table(tmp_path: Path) -> None:
    save_png(tmp_path / "a.png")
    source = tmp_path / "g.json"
    source.write_text(json.dumps([{"image": "a.png", "problem": "Q?", "answer": "B", "choices": ["1", "2"]}]))
    out = tmp_path / "cs.parquet"
    assert convert(str(source), str(out), "--from", "geometry3k", "--to", "coldstart")[0] == 0
    (row,) = iter_rows(out)
    assert (row["question"], row["answer"], row["choices"]) == ("Q?", "B", ["1", "2"])


def test_sharegpt_both_schemas_to_sft(tmp_path: Path) -> None:
    save_png(tmp_path / "root" / "x.png")
    save_png(tmp_path / "root" / "y.png", color="green")
    records = [
        {
            "id": "llava-1",
            "image": "x.png",
            "conversations": [
                {"from": "human", "value": "<image>\nWhat colour?"},
                {"from": "gpt", "value": "<think> red </think><answer> Final Answer:red </answer>"},
            ],
        },
        {
            "images": ["x.png", "y.png"],
            "conversations": [
                {"role": "user", "content": "Compare the images."},
                {
                    "role": "assistant",
                    "content": "<think>one red one green</think><answer>different</answer>",
                },
            ],
        },
        {
            "image": "x.png",
            "conversations": [
                {"from": "human", "value": "<image><image>two?"},
                {"from": "gpt", "value": "a"},
            ],
        },
        {
            "image": "x.png",
            "conversations": [
                {"from": "human", "value": "no format"},
                {"from": "gpt", "value": "plain answer"},
            ],
        },
    ]
    source = tmp_path / "cold.json"
    source.write_text(json.dumps(records))
    out = tmp_path / "sft.parquet"
    rows = converted_rows(str(source), out, "--from", "sharegpt", "--image-root", str(tmp_path / "root"))
    assert len(rows) == 3
    assert rows[0]["messages"][0] == {"role": "user", "content": "<image>\nWhat colour?"}
    assert rows[1]["messages"][0]["content"] == "<image><image>Compare the images."
    assert len(rows[1]["images"]) == 2
    assert rejected(out) == [
        {"file": str(source), "row": 2, "field": "messages", "reason": "2 <image> tag(s) but 1 image(s)"}
    ]
    strict_format = tmp_path / "sft_fmt.parquet"
    convert(
        str(source),
        str(strict_format),
        "--from",
        "sharegpt",
        "--image-root",
        str(tmp_path / "root"),
        "--require-format",
    )
    assert len(list(iter_rows(strict_format))) == 2
    assert {r["row"] for r in rejected(strict_format)} == {2, 3}
