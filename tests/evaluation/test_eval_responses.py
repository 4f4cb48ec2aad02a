"""`vision-r1 eval --responses FILE`: responses made elsewhere judged with no model, same tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_files import (
    write_mathverse_hf_parquet,
    write_mathvista_github,
    write_mathvista_hf_json,
    write_mmmath,
)
from typer.testing import CliRunner

from vision_r1.cli import app
from vision_r1.evaluation import score_responses
from vision_r1.evaluation.items import BenchmarkFormatError
from vision_r1.evaluation.results import ResumeMismatchError


def _answer(text: str) -> str:
    return f"<think>Looking at the figure.</think><answer>{text}</answer>"


# (benchmark, id, response): official / strict verdicts noted per line
RESPONSES = [
    ("mathvista", "1", _answer("C")),  # both right
    ("mathvista", "2", _answer("7.9")),  # official truncates to 7: right; strict: wrong
    ("mathvista", "3", _answer("1.24")),  # official rounds to 1 place: right; strict: wrong
    ("mathverse", "1", _answer("B")),
    ("mathverse", "2", _answer("A")),
    ("mathverse", "3", _answer("60°")),  # Vision Only: option text, options from question_for_eval
    ("mathverse", "text_only-1", _answer("B")),  # reported, but not in the headline
    ("mm_math", "mmmath-0", _answer("\\boxed{60}")),
    ("mm_math", "mmmath-1", _answer("\\boxed{3} and \\boxed{2.5}")),  # parts in another order: official only
    ("mm_math", "mmmath-2", _answer("Final Answer: y = 2x + 1")),  # no \boxed{}: strict only
]


@pytest.fixture
def benchmarks(tmp_path: Path) -> list[str]:
    return [
        f"mathvista={write_mathvista_github(tmp_path / 'MathVista')}",
        f"mathverse={write_mathverse_hf_parquet(tmp_path / 'MathVerse')}",
        f"mm_math={write_mmmath(tmp_path / 'MM_Math')}",
    ]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_responses_are_judged_both_ways_with_the_same_tables(tmp_path: Path, benchmarks: list[str]) -> None:
    rows = [{"benchmark": b, "id": i, "response": r, "num_tokens": 40} for b, i, r in RESPONSES]
    responses = _write(tmp_path / "other_framework.jsonl", rows)
    summary = score_responses(responses, benchmarks, tmp_path / "eval")
    scores = {name: (s["official_accuracy"], s["accuracy"]) for name, s in summary["benchmarks"].items()}
    assert scores == {"mathvista": (100.0, 33.3), "mathverse": (66.7, 66.7), "mm_math": (66.7, 66.7)}
    mathverse = summary["benchmarks"]["mathverse"]
    assert mathverse["items"] == 4 and mathverse["headline"]["items"] == 3
    assert mathverse["by_category"]["problem_version"]["Text Only"]["accuracy"] == 100.0
    assert mathverse["official_rules"].startswith("MathVerse")
    assert summary["table"]["label"] == "other_framework"
    assert summary["table"]["official_avg"] == 77.8 and summary["table"]["avg"] == 55.6
    records = _lines(tmp_path / "eval" / "mm_math" / "results.jsonl")
    assert [(r["id"], r["official"]["correct"], r["correct"]) for r in records] == [
        ("mmmath-0", True, True),
        ("mmmath-1", True, False),
        ("mmmath-2", False, True),
    ]
    assert summary["benchmarks"]["mathvista"]["response_tokens"]["mean"] == 40.0
    markdown = (tmp_path / "eval" / "summary.md").read_text()
    assert "| other_framework | official | 100.0 | 66.7 | 66.7 | 77.8 |" in markdown
    assert "| other_framework | strict | 33.3 | 66.7 | 66.7 | 55.6 |" in markdown
    assert "Headline over 3 items (leaves out problem_version Text Only" in markdown
    again = score_responses(responses, benchmarks, tmp_path / "eval")  # re-judging rewrites, same result
    assert again["benchmarks"] == summary["benchmarks"]


def test_n_samples_per_item_give_mean_and_pass_at_n(tmp_path: Path) -> None:
    root = write_mathvista_hf_json(tmp_path / "mv")
    rows = [
        {"pid": "1", "responses": [_answer("C"), _answer("A"), _answer("B"), _answer("(C) 60°")]},  # 2 of 4
        {"pid": "2", "responses": [_answer("6")] * 4},  # 0 of 4
        {"pid": "3", "responses": [_answer("1.2")] * 4},  # 4 of 4
    ]
    summary = score_responses(_write(tmp_path / "r.jsonl", rows), [f"mathvista={root}"], tmp_path / "eval")
    result = summary["benchmarks"]["mathvista"]
    assert result["samples_per_item"] == 4
    assert result["accuracy"] == 50.0  # (0.5 + 0 + 1) / 3
    assert result["pass_at_n"] == {"strict": 66.7, "official": 66.7}
    assert summary["table"]["sampling"] == "mean@4"
    assert result["truncated_rate"] is None and result["response_tokens"]["max"] == 0  # unknown lengths


def test_mathvista_released_output_json_keyed_by_pid(tmp_path: Path) -> None:
    root = write_mathvista_hf_json(tmp_path / "mv")
    outputs = {
        pid: {"pid": pid, "response": _answer(answer)}
        for pid, answer in (("1", "C"), ("2", "7"), ("3", "1.3"))
    }
    (tmp_path / "output_model.json").write_text(json.dumps(outputs))
    summary = score_responses(
        tmp_path / "output_model.json", [f"mathvista={root}"], tmp_path / "eval", label="model"
    )
    assert summary["benchmarks"]["mathvista"]["official_accuracy"] == 66.7
    assert summary["table"]["label"] == "model"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [{"id": "9", "response": "x"}],
            r"r.jsonl: line 1: field 'id': '9' is not an item of benchmark 'mathvista'",
        ),
        (
            [{"id": "1"}],
            r"r.jsonl: line 1: no response \(looked for fields responses, response, model_answer",
        ),
        ([{"answer": "1", "response": "x"}], r"r.jsonl: line 1: no item id \(looked for fields id, pid"),
        ([{"id": "1", "response": 5}], r"line 1: field 'response' must be a string, got int"),
        (
            [{"id": "1", "response": "x", "num_tokens": -1}],
            r"line 1: field 'num_tokens' must be a whole number",
        ),
        (
            [{"id": "1", "response": "x"}, {"id": "1", "sample": 0, "response": "y"}],
            r"line 2: item '1' sample 0 already has a response",
        ),
        (
            [{"id": "1", "response": "x"}],
            r"2 of the 3 items of benchmark 'mathvista' have no response \(first: 2, 3\)",
        ),
        (
            [
                {"id": "1", "responses": ["a", "b"]},
                {"id": "2", "response": "c"},
                {"id": "3", "response": "d"},
            ],
            r"items have between 1 and 2 responses; every item needs the same number",
        ),
        (
            [{"id": str(i), "response": "x", "benchmark": "mathverse"} for i in (1, 2, 3)],
            r"'mathverse' is not one of mathvista",
        ),
    ],
)
def test_bad_responses_files_name_line_and_field(tmp_path: Path, rows: list[dict], message: str) -> None:
    root = write_mathvista_hf_json(tmp_path / "mv")
    with pytest.raises(BenchmarkFormatError, match=message):
        score_responses(_write(tmp_path / "r.jsonl", rows), [f"mathvista={root}"], tmp_path / "eval")


def test_several_benchmarks_need_the_benchmark_field(tmp_path: Path, benchmarks: list[str]) -> None:
    responses = _write(tmp_path / "r.jsonl", [{"id": "1", "response": "x"}])
    with pytest.raises(
        BenchmarkFormatError, match=r"line 1: field 'benchmark' is needed when several benchmarks"
    ):
        score_responses(responses, benchmarks, tmp_path / "eval")
    (tmp_path / "bad.jsonl").write_text('{"id": "1", "response": "x"}\n{oops\n')
    with pytest.raises(BenchmarkFormatError, match=r"bad.jsonl: line 2 is not valid JSON"):
        score_responses(tmp_path / "bad.jsonl", benchmarks[:1], tmp_path / "eval")


def test_an_output_folder_of_another_evaluation_is_not_overwritten(tmp_path: Path) -> None:
    root = write_mathvista_hf_json(tmp_path / "mv")
    first = _write(tmp_path / "a.jsonl", [{"id": str(i), "response": _answer("7")} for i in (1, 2, 3)])
    second = _write(tmp_path / "b.jsonl", [{"id": str(i), "response": _answer("8")} for i in (1, 2, 3)])
    score_responses(first, [f"mathvista={root}"], tmp_path / "eval")
    with pytest.raises(ResumeMismatchError, match=r"responses: .*a.jsonl' -> .*b.jsonl'"):
        score_responses(second, [f"mathvista={root}"], tmp_path / "eval")


def test_cli_judges_a_responses_file_without_a_model(tmp_path: Path, benchmarks: list[str]) -> None:
    rows = [{"benchmark": b, "id": i, "response": r} for b, i, r in RESPONSES]
    responses = _write(tmp_path / "r.jsonl", rows)
    runner = CliRunner()
    args = ["eval", "--responses", str(responses), "--out-dir", str(tmp_path / "eval")]
    for spec in benchmarks:
        args += ["-b", spec]
    result = runner.invoke(app, [*args, "--label", "released"])
    assert result.exit_code == 0, result.output
    assert "| released | official | 100.0 | 66.7 | 66.7 | 77.8 |" in result.output
    assert "mathvista: 3 items x 1, official 100.0, strict 33.3" in result.output
    assert "3 items from " in result.output and "testmini.json" in result.output
    both = runner.invoke(app, ["eval", str(tmp_path), *args[1:]])
    assert both.exit_code == 2 and "either MODEL_DIR" in both.output
    sampling = runner.invoke(app, [*args, "--samples", "4", "--resample-missing-answer"])
    assert (
        sampling.exit_code == 2
        and "--samples, --resample-missing-answer: only when a model generates" in sampling.output
    )
    missing = runner.invoke(
        app, ["eval", "--responses", str(responses), "--out-dir", str(tmp_path / "o"), "-b", benchmarks[0]]
    )
    assert (
        missing.exit_code == 1 and "field 'benchmark': 'mathverse' is not one of mathvista" in missing.output
    )
