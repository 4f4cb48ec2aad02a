"""Benchmark loaders: every release layout becomes the same EvalItems; bad files fail clearly."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from benchmark_files import (
    MATHVISTA_ROWS,
    MM_MATH_ROWS,
    png,
    rl_row,
    write_mathverse_hf_parquet,
    write_mathverse_json,
    write_mathvista_github,
    write_mathvista_hf_json,
    write_mathvista_hf_parquet,
    write_mmmath,
    write_rl_parquet,
)

from vision_r1.evaluation import BenchmarkSpec, load_benchmark
from vision_r1.evaluation.benchmarks import file_counts
from vision_r1.evaluation.benchmarks.mathverse import choices_in_text
from vision_r1.evaluation.items import BenchmarkFormatError

MATHVISTA_LAYOUTS = {
    "HF parquet": lambda root: write_mathvista_hf_parquet(root),
    "HF JSON": lambda root: write_mathvista_hf_json(root),
    "GitHub clone": lambda root: write_mathvista_github(root),
    "clone's data folder": lambda root: write_mathvista_github(root) / "data",
}


def _without_source(items: list) -> list:
    return [item.__class__(**{**item.__dict__, "source": ""}) for item in items]


@pytest.mark.parametrize("layout", list(MATHVISTA_LAYOUTS))
def test_every_mathvista_layout_gives_the_same_items(tmp_path: Path, layout: str) -> None:
    items = load_benchmark(BenchmarkSpec("mathvista", MATHVISTA_LAYOUTS[layout](tmp_path / "mv")))
    reference = load_benchmark(BenchmarkSpec("mathvista", write_mathvista_hf_json(tmp_path / "reference")))
    assert _without_source(items) == _without_source(reference)
    assert len(file_counts(items)) == 1 and list(file_counts(items).values()) == [3]
    first, _, third = items
    assert [item.item_id for item in items] == ["1", "2", "3"]
    assert first.answer == "60°" and first.choices == ["30°", "45°", "60°", "90°"]
    assert first.messages == [{"role": "user", "content": "<image>\n" + MATHVISTA_ROWS[0]["query"]}]
    assert first.images == [png(1)] and third.images == [png(3)]
    assert first.categories == {
        "task": ["geometry problem solving"],
        "skill": ["geometry reasoning", "algebraic reasoning"],
    }
    assert third.extra_info == {
        "question_type": "free_form",
        "answer_type": "float",
        "precision": 1,
        "unit": "m",
    }


def test_mathvista_github_clone_reads_images_from_data_images(tmp_path: Path) -> None:
    root = write_mathvista_github(tmp_path / "MathVista")
    (root / "data" / "images" / "2.jpg").unlink()
    with pytest.raises(BenchmarkFormatError, match=r"data/testmini.json: row 1 \(pid 2\) field 'image'"):
        load_benchmark(BenchmarkSpec("mathvista", root))


def test_mathvista_without_query_anywhere_builds_lettered_choices(tmp_path: Path) -> None:
    root = write_mathvista_github(tmp_path / "mv")
    (root / "data" / "query.json").unlink()
    item = load_benchmark(BenchmarkSpec("mathvista", root))[0]
    assert item.question.endswith("Choices:\n(A) 30°\n(B) 45°\n(C) 60°\n(D) 90°")


def test_unknown_mathvista_layout_names_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "mv" / "data").mkdir(parents=True)
    (tmp_path / "mv" / "data" / "test.json").write_text("{}")
    with pytest.raises(
        BenchmarkFormatError,
        match=r"no known release layout .*HF parquet: data/testmini-\*\.parquet.*GitHub clone: data/testmini.json",
    ):
        load_benchmark(BenchmarkSpec("mathvista", tmp_path / "mv"))


def test_mathvista_bad_precision_is_named(tmp_path: Path) -> None:
    root = write_mathvista_hf_json(tmp_path / "mv")
    rows = json.loads((root / "annot_testmini.json").read_text())
    rows["3"]["precision"] = "two"
    (root / "annot_testmini.json").write_text(json.dumps(rows))
    with pytest.raises(BenchmarkFormatError, match=r"row 2 \(pid 3\): field 'precision' is not a number"):
        load_benchmark(BenchmarkSpec("mathvista", root))


@pytest.mark.parametrize(
    "writer",
    [
        lambda root: write_mathverse_hf_parquet(root),
        lambda root: write_mathverse_hf_parquet(root, text_only_name="testmini_text-only"),
        lambda root: write_mathverse_json(root),
        lambda root: write_mathverse_json(root, text_only_name="testmini_text_only"),
    ],
    ids=["hf-parquet", "older-parquet-name", "older-json", "json"],
)
def test_every_mathverse_layout_loads_all_six_versions(tmp_path: Path, writer) -> None:
    items = load_benchmark(BenchmarkSpec("mathverse", writer(tmp_path / "mverse")))
    versions = {item.item_id: item.categories["problem_version"] for item in items}
    assert versions == {
        "1": ["Text Dominant"],
        "2": ["Vision Intensive"],
        "3": ["Vision Only"],
        "text_only-1": ["Text Only"],
    }
    assert sorted(file_counts(items).values()) == [1, 3]  # the text-only file is read, not skipped
    by_id = {item.item_id: item for item in items}
    assert by_id["3"].images == [png(6)] and by_id["1"].images == [png(1)]
    # Vision Only shows no options, but question_for_eval lists them: option text can be judged
    assert by_id["3"].choices == ["30°", "60°", "90°", "120°"] and by_id["3"].answer == "B"
    assert by_id["text_only-1"].images == [] and "<image>" not in by_id["text_only-1"].question
    assert by_id["1"].question.startswith("<image>\nPlease first conduct reasoning")  # query_cot


def test_mathverse_second_text_only_file_is_logged_not_silently_dropped(tmp_path: Path, caplog) -> None:
    root = write_mathverse_hf_parquet(tmp_path / "mverse")
    shutil.copy(root / "testmini_text_only.parquet", root / "testmini_text-only.parquet")
    with caplog.at_level(logging.INFO):
        items = load_benchmark(BenchmarkSpec("mathverse", root))
    assert len(items) == 4
    assert "testmini_text-only.parquet not read" in caplog.text
    assert "1 items from" in caplog.text and "3 items from" in caplog.text


def test_mathverse_without_text_only_file_and_missing_image(tmp_path: Path) -> None:
    root = write_mathverse_json(tmp_path / "mverse", text_only_name=None)
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


@pytest.mark.parametrize("image_folder", ["images", "Image", "MM_Math_images"])
def test_mmmath_answers_are_every_boxed_part_and_groups_are_the_papers(
    tmp_path: Path, image_folder: str
) -> None:
    items = load_benchmark(BenchmarkSpec("mm_math", write_mmmath(tmp_path / "mm", image_folder)))
    assert [item.extra_info["answer_parts"] for item in items] == [
        ["60^\\circ"],
        ["\\frac{5}{2}", "3"],  # a two-part problem keeps both parts
        ["y=2x+1"],
    ]
    assert items[1].answer == "\\frac{5}{2}, 3" and items[2].images == [png(3)]
    assert [item.categories for item in items] == [
        {"difficulty": ["Easy"], "grade": ["Nine"], "knowledge": ["Properties of Shapes"]},
        {"difficulty": ["Medium"], "grade": ["Eight"], "knowledge": ["Transformations of Shapes"]},
        {"difficulty": ["Hard"], "grade": ["Eight"], "knowledge": ["Functions"]},
    ]


def test_mmmath_answer_field_and_missing_boxed(tmp_path: Path) -> None:
    root = write_mmmath(tmp_path / "mm")
    rows = [{**MM_MATH_ROWS[0], "answer": "60"}, {**MM_MATH_ROWS[1], "solution": "DE is five halves."}]
    (root / "MM_Math.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(BenchmarkFormatError, match=r"MM_Math.jsonl: row 1: no 'answer' field and no \\boxed"):
        load_benchmark(BenchmarkSpec("mm_math", root))
    (root / "MM_Math.jsonl").write_text(json.dumps(rows[0]) + "\n")
    assert load_benchmark(BenchmarkSpec("mm_math", root))[0].extra_info["answer_parts"] == ["60"]


def test_mmmath_bad_json_line_is_named(tmp_path: Path) -> None:
    root = write_mmmath(tmp_path / "mm")
    with (root / "MM_Math.jsonl").open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(BenchmarkFormatError, match=r"MM_Math.jsonl: line 4 is not valid JSON"):
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
    root = write_mathvista_hf_json(tmp_path / "mv")
    assert len(load_benchmark(BenchmarkSpec("mathvista", root, limit=2))) == 2


def test_missing_benchmark_folder(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkFormatError, match=r"MathVista: .*nowhere does not exist"):
        load_benchmark(BenchmarkSpec("mathvista", tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchmarkFormatError, match=r"MM-Math: none of MM_Math.jsonl"):
        load_benchmark(BenchmarkSpec("mm_math", tmp_path / "empty"))
    with pytest.raises(BenchmarkFormatError, match=r"MathVerse: none of testmini.parquet"):
        load_benchmark(BenchmarkSpec("mathverse", tmp_path / "empty"))
