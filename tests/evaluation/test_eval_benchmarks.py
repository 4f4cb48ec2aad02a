"""Benchmark loaders: the public releases' layouts become the same EvalItems; bad files fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_files import (
    MATHVISTA_ROWS,
    MM_MATH_ROWS,
    png,
    rl_row,
    write_mathverse,
    write_mathvista_json,
    write_mathvista_parquet,
    write_mmmath,
    write_rl_parquet,
)

from vision_r1.evaluation import BenchmarkSpec, load_benchmark
from vision_r1.evaluation.benchmarks.mathverse import choices_in_text
from vision_r1.evaluation.items import BenchmarkFormatError


def test_mathvista_json_and_parquet_layouts_give_the_same_items(tmp_path: Path) -> None:
    from_json = load_benchmark(BenchmarkSpec("mathvista", write_mathvista_json(tmp_path / "a")))
    from_parquet = load_benchmark(BenchmarkSpec("mathvista", write_mathvista_parquet(tmp_path / "b")))
    assert from_json == from_parquet
    first = from_json[0]
    assert [item.item_id for item in from_json] == ["1", "2", "3"]
    assert first.answer == "60°" and first.choices == ["30°", "45°", "60°", "90°"]
    assert first.messages == [{"role": "user", "content": "<image>\n" + MATHVISTA_ROWS[0]["query"]}]
    assert first.images == [png(1)]
    assert first.categories == {
        "task": ["geometry problem solving"],
        "skill": ["geometry reasoning", "algebraic reasoning"],
    }
    assert from_json[1].choices is None and from_json[2].answer == "1.45"


def test_mathvista_missing_image_names_file_row_and_field(tmp_path: Path) -> None:
    root = write_mathvista_json(tmp_path / "mv")
    (root / "images" / "2.jpg").unlink()
    with pytest.raises(BenchmarkFormatError, match=r"annot_testmini.json: row 1 \(pid 2\) field 'image'"):
        load_benchmark(BenchmarkSpec("mathvista", root))


def test_mathvista_without_query_builds_lettered_choices(tmp_path: Path) -> None:
    root = tmp_path / "mv"
    write_mathvista_json(root)
    rows = json.loads((root / "annot_testmini.json").read_text())
    del rows["1"]["query"]
    (root / "annot_testmini.json").write_text(json.dumps(rows))
    item = load_benchmark(BenchmarkSpec("mathvista", root))[0]
    assert item.question.endswith("Choices:\n(A) 30°\n(B) 45°\n(C) 60°\n(D) 90°")


def test_mathverse_loads_every_version_including_vision_and_text_only(tmp_path: Path) -> None:
    items = load_benchmark(BenchmarkSpec("mathverse", write_mathverse(tmp_path / "mverse")))
    versions = {item.item_id: item.categories["problem_version"] for item in items}
    assert versions == {
        "1": ["Text Dominant"],
        "2": ["Vision Intensive"],
        "3": ["Vision Only"],
        "text_only-1": ["Text Only"],
    }
    by_id = {item.item_id: item for item in items}
    assert by_id["3"].images == [png(6)] and by_id["3"].choices is None  # options live in the diagram
    assert by_id["1"].choices == ["30°", "60°", "90°", "120°"] and by_id["1"].answer == "B"
    assert by_id["text_only-1"].images == [] and "<image>" not in by_id["text_only-1"].question
    assert by_id["1"].question.startswith("<image>\nPlease first conduct reasoning")  # query_cot


def test_mathverse_without_text_only_file_and_missing_image(tmp_path: Path) -> None:
    root = write_mathverse(tmp_path / "mverse", text_only=False)
    assert len(load_benchmark(BenchmarkSpec("mathverse", root))) == 3
    rows = json.loads((root / "testmini.json").read_text())
    rows[2]["image"] = ""
    (root / "testmini.json").write_text(json.dumps(rows))
    with pytest.raises(BenchmarkFormatError, match=r"row 2 \(sample_index 3\).*'Vision Only'"):
        load_benchmark(BenchmarkSpec("mathverse", root))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Find x.\nChoices:\nA:1\nB:2\nC:3", ["1", "2", "3"]),
        ("Choices:\n(A) 5 cm\n(B) 6 cm\n\nSolve it.", ["5 cm", "6 cm"]),
        ("Choices:\nA. yes\nB. no\nThe end", ["yes", "no"]),
        ("Choices:\nB:2\nA:1", None),
        ("No options here", None),
    ],
)
def test_choices_in_text(text: str, expected: list[str] | None) -> None:
    assert choices_in_text(text) == expected


def test_mmmath_answer_from_boxed_solution_or_answer_field(tmp_path: Path) -> None:
    root = write_mmmath(tmp_path / "mm")
    items = load_benchmark(BenchmarkSpec("mm_math", root))
    assert [item.answer for item in items] == ["60^\\circ", "\\frac{5}{2}"]
    assert items[1].categories == {
        "difficulty": ["medium"],
        "grade": ["eight"],
        "knowledge": ["similar triangles"],
    }
    rows = [{**MM_MATH_ROWS[0], "answer": "60"}, {**MM_MATH_ROWS[1], "solution": "DE is five halves."}]
    (root / "MM_Math.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(BenchmarkFormatError, match=r"MM_Math.jsonl: row 1: no 'answer' field and no \\boxed"):
        load_benchmark(BenchmarkSpec("mm_math", root))


def test_mmmath_bad_json_line_is_named(tmp_path: Path) -> None:
    root = write_mmmath(tmp_path / "mm")
    with (root / "MM_Math.jsonl").open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(BenchmarkFormatError, match=r"MM_Math.jsonl: line 3 is not valid JSON"):
        load_benchmark(BenchmarkSpec("mm_math", root))


def test_rl_parquet_items_and_ids(tmp_path: Path) -> None:
    path = write_rl_parquet(tmp_path / "val.parquet", [rl_row(10, "5"), rl_row(11, "B")])
    items = load_benchmark(BenchmarkSpec("rl", path))
    assert [item.item_id for item in items] == ["10", "11"]
    assert items[0].messages == [{"role": "user", "content": "<image>What is 2 + 3?"}]
    assert items[0].reward == "hfrrf" and items[0].answer == "5" and items[0].images == [png(0)]
    assert items[0].categories == {"data_source": ["synthetic_val"]}
    duplicate = write_rl_parquet(tmp_path / "dup.parquet", [rl_row(1, "5"), rl_row(1, "6")])
    assert [item.item_id for item in load_benchmark(BenchmarkSpec("rl", duplicate))] == ["0", "1"]


def test_rl_parquet_placeholder_count_must_match_images(tmp_path: Path) -> None:
    row = rl_row(0, "5")
    row["prompt"] = [{"role": "user", "content": "<image><image>Compare."}]
    path = write_rl_parquet(tmp_path / "bad.parquet", [rl_row(1, "5"), row])
    with pytest.raises(
        BenchmarkFormatError, match=r"bad.parquet: row 1: field 'prompt' has 2 <image> placeholders"
    ):
        load_benchmark(BenchmarkSpec("rl", path))


def test_spec_parsing_defaults_and_limit(tmp_path: Path) -> None:
    assert BenchmarkSpec.parse("mathvista=/data/MV") == BenchmarkSpec(
        "mathvista", Path("/data/MV"), "mathvista"
    )
    held = BenchmarkSpec.parse("heldout:rl=/data/geo_val.parquet")
    assert (held.name, held.kind, held.title) == ("heldout", "rl", "heldout")
    assert BenchmarkSpec.parse("rl=/d/geo_val.parquet").name == "geo_val"
    assert BenchmarkSpec.from_value({"kind": "mm_math", "path": "/x"}).title == "MM-Math"
    with pytest.raises(ValueError, match="unknown benchmark kind 'mathvision'; known kinds: mathvista"):
        BenchmarkSpec.parse("mathvision=/x")
    with pytest.raises(ValueError, match=r"expected \[NAME:\]KIND=PATH"):
        BenchmarkSpec.parse("mathvista")
    with pytest.raises(ValueError, match="unknown keys"):
        BenchmarkSpec.from_value({"kind": "rl", "path": "/x", "split": "val"})
    root = write_mathvista_json(tmp_path / "mv")
    assert len(load_benchmark(BenchmarkSpec("mathvista", root, limit=2))) == 2


def test_missing_benchmark_folder(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkFormatError, match=r"MathVista: .*nowhere does not exist"):
        load_benchmark(BenchmarkSpec("mathvista", tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchmarkFormatError, match=r"MM-Math: none of MM_Math.jsonl"):
        load_benchmark(BenchmarkSpec("mm_math", tmp_path / "empty"))
