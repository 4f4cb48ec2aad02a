"""run_evaluation and `vision-r1 eval` end to end on the tiny model: outputs, resume, retries, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchmark_files import rl_row, write_mathvista_hf_json, write_rl_parquet
from typer.testing import CliRunner

from vision_r1.cli import app
from vision_r1.evaluation import run_evaluation
from vision_r1.evaluation.results import ResumeMismatchError
from vision_r1.report import build_report

FAST = {"max_new_tokens": 6, "batch_size": 4, "backend": "transformers"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_all_benchmarks_on_the_tiny_model(
    tiny_model_dir: Path, benchmark_dirs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "eval"
    specs = [{"kind": kind, "path": str(path)} for kind, path in benchmark_dirs.items()]
    summary = run_evaluation(tiny_model_dir, specs, out, FAST)
    assert list(summary["benchmarks"]) == ["mathvista", "mathverse", "mm_math", "heldout"]
    counts = {name: result["items"] for name, result in summary["benchmarks"].items()}
    assert counts == {"mathvista": 3, "mathverse": 4, "mm_math": 3, "heldout": 6}
    for name, count in counts.items():
        records = _lines(out / name / "results.jsonl")
        assert len(records) == count and len({r["id"] for r in records}) == count
        assert all(1 <= r["num_tokens"] <= 6 and r["attempts"] == 1 for r in records)
        assert not any(r["truncated"] for r in records if r["num_tokens"] < 6)  # stopped early = ended
        assert summary["benchmarks"][name]["response_tokens"]["mean"] == round(
            sum(r["num_tokens"] for r in records) / count, 1
        )
        assert json.loads((out / name / "summary.json").read_text()) == summary["benchmarks"][name]
    versions = summary["benchmarks"]["mathverse"]["by_category"]["problem_version"]
    assert set(versions) == {"Text Dominant", "Vision Intensive", "Vision Only", "Text Only"}
    assert summary["settings"]["temperature"] == 0.6 and summary["settings"]["top_p"] == 0.95
    assert set(summary["table"]) == {"label", "sampling", "benchmarks", "avg", "official", "official_avg"}
    assert summary["benchmarks"]["heldout"]["official_accuracy"] is None  # no official rules for RL sets
    assert all(
        summary["benchmarks"][n]["official_accuracy"] is not None
        for n in ("mathvista", "mathverse", "mm_math")
    )
    assert summary["benchmarks"]["mathverse"]["headline"]["items"] == 3  # Text Only left out of "All"
    markdown = (out / "summary.md").read_text()
    assert "| model | score | MathVista | MathVerse | MM-Math | Avg | heldout |" in markdown
    assert "| model | official |" in markdown and "| model | strict |" in markdown
    # the evaluation folder is a run's eval stage: the report shows exactly these figures
    state = {
        "stages": {"eval": {"kind": "eval", "status": "done"}},
        "order": ["eval"],
        "recipe": {"name": "t"},
    }
    (tmp_path / "state.json").write_text(json.dumps(state))
    html = build_report(tmp_path).read_text()
    row = summary["table"]
    for score, values, average in (
        ("official", row["official"], row["official_avg"]),
        ("strict", row["benchmarks"], row["avg"]),
    ):
        cells = "".join(
            f'<td class="num">{value:.1f}</td>'
            for value in [*(values[n] for n in ("mathvista", "mathverse", "mm_math")), average]
        )
        assert f"<td>eval</td><td>{score}</td>{cells}" in html


@pytest.mark.slow
def test_resume_generates_only_missing_items(tiny_model_dir: Path, tmp_path: Path) -> None:
    data = write_rl_parquet(tmp_path / "val.parquet", [rl_row(i, str(i)) for i in range(6)])
    out = tmp_path / "eval"
    run_evaluation(tiny_model_dir, [f"rl={data}"], out, FAST)
    results = out / "val" / "results.jsonl"
    lines = results.read_text().splitlines(keepends=True)
    results.write_text("".join(lines[:2]) + lines[2][:25])  # as if killed while writing item 3
    summary = run_evaluation(tiny_model_dir, [f"rl={data}"], out, FAST)
    after = results.read_text().splitlines(keepends=True)
    assert after[:2] == lines[:2]  # finished work untouched
    assert sorted(json.loads(line)["id"] for line in after) == [str(i) for i in range(6)]
    assert summary["benchmarks"]["val"]["items"] == 6
    # a finished evaluation re-runs without loading the model at all
    hidden = tiny_model_dir.parent / "weights-hidden"
    (tiny_model_dir / "model.safetensors").rename(hidden)
    try:
        again = run_evaluation(tiny_model_dir, [f"rl={data}"], out, FAST)
    finally:
        hidden.rename(tiny_model_dir / "model.safetensors")
    assert again["benchmarks"] == summary["benchmarks"]
    with pytest.raises(ResumeMismatchError, match=r"temperature: 0\.6 -> 1\.0"):
        run_evaluation(tiny_model_dir, [f"rl={data}"], out, {**FAST, "temperature": 1.0})


@pytest.mark.slow
def test_format_retries_are_explicit_and_reported(tiny_model_dir: Path, tmp_path: Path) -> None:
    data = write_rl_parquet(tmp_path / "val.parquet", [rl_row(i, str(i)) for i in range(3)])
    summary = run_evaluation(tiny_model_dir, [f"rl={data}"], tmp_path / "eval", {**FAST, "format_retries": 2})
    records = _lines(tmp_path / "eval" / "val" / "results.jsonl")
    # random weights never produce the <think>/<answer> layout, so every item uses all its retries
    assert [r["attempts"] for r in records] == [3, 3, 3]
    assert all(r["first_attempt"]["format_ok"] is False and r["format_ok"] is False for r in records)
    assert summary["benchmarks"]["val"]["retry"] == {
        "rule": "re-sample while the think/answer format is broken",
        "max_retries": 2,
        "samples_retried": 3,
        "extra_samples": 6,
        "accuracy_first_attempt": 0.0,
        "official_accuracy_first_attempt": None,
    }


@pytest.mark.slow
def test_n_samples_and_the_vision_r1_resampling_rule(tiny_model_dir: Path, tmp_path: Path) -> None:
    root = write_mathvista_hf_json(tmp_path / "mv")
    settings = {**FAST, "max_new_tokens": 3, "samples": 2, "resample_missing_answer": True}
    summary = run_evaluation(tiny_model_dir, [f"mathvista={root}"], tmp_path / "eval", settings, label="tiny")
    records = _lines(tmp_path / "eval" / "mathvista" / "results.jsonl")
    assert sorted((r["id"], r["sample"]) for r in records) == [
        (i, k) for i in ("1", "2", "3") for k in (0, 1)
    ]
    # 3 random tokens never close </answer>: every sample is drawn 5 times in all, the last one kept
    assert all(r["attempts"] == 5 and "first_attempt" in r for r in records)
    result = summary["benchmarks"]["mathvista"]
    assert (
        result["samples_per_item"],
        result["retry"]["samples_retried"],
        result["retry"]["extra_samples"],
    ) == (2, 6, 24)
    assert set(result["pass_at_n"]) == {"strict", "official"}
    note = "mean@2; vision-r1: re-sample while </answer> is missing (up to 4 more)"
    assert summary["table"]["sampling"] == note and summary["table"]["label"] == "tiny"
    assert f"| {note} |" in (tmp_path / "eval" / "summary.md").read_text()
    with pytest.raises(ResumeMismatchError, match=r"samples: 2 -> 3"):
        run_evaluation(tiny_model_dir, [f"mathvista={root}"], tmp_path / "eval", {**settings, "samples": 3})


def test_unknown_reward_kind_fails_before_loading_the_model(tmp_path: Path) -> None:
    row = rl_row(0, "5", data_source="my_dataset")
    row["extra_info"]["reward"] = None
    data = write_rl_parquet(tmp_path / "val.parquet", [row])
    with pytest.raises(
        ValueError, match=r"benchmark 'val', item 0: no reward kind for data_source 'my_dataset'"
    ):
        run_evaluation(tmp_path / "no-model-here", [f"rl={data}"], tmp_path / "eval", FAST)


def test_cli_errors_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    bad_spec = runner.invoke(app, ["eval", "m", "-b", "mathvision=/x", "--out-dir", str(tmp_path)])
    assert bad_spec.exit_code == 2 and "unknown benchmark kind 'mathvision'" in bad_spec.output
    data = write_rl_parquet(tmp_path / "val.parquet", [rl_row(0, "5")])
    monkeypatch.setitem(sys.modules, "vllm", None)  # `import vllm` fails as on a machine without it
    no_vllm = runner.invoke(
        app,
        ["eval", str(tmp_path), "-b", f"rl={data}", "--out-dir", str(tmp_path / "o"), "--backend", "vllm"],
    )
    assert (
        no_vllm.exit_code == 1
        and "needs vLLM" in no_vllm.output
        and "--backend transformers" in no_vllm.output
    )


@pytest.mark.slow
def test_cli_run_killed_mid_way_resumes_without_loss(tiny_model_dir: Path, tmp_path: Path) -> None:
    data = write_rl_parquet(tmp_path / "val.parquet", [rl_row(i, str(i)) for i in range(16)])
    out = tmp_path / "eval"
    command = [
        sys.executable, "-m", "vision_r1.cli", "eval", str(tiny_model_dir), "-b", f"rl={data}",
        "--out-dir", str(out), "--backend", "transformers", "--max-new-tokens", "16", "--batch-size",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen([*command, "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = out / "val" / "results.jsonl"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            if results.exists() and results.read_text().count("\n") >= 2:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the evaluation finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    done_before = results.read_text().count("\n")
    assert 2 <= done_before < 16
    # the batch size only changes speed, so the resume may use another one
    finished = subprocess.run([*command, "8"], env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    ids = [r["id"] for r in _lines(results)]
    assert sorted(ids, key=int) == [str(i) for i in range(16)]  # all there, none twice
    assert "| model | strict |" in finished.stdout and "16 items from " + str(data) in finished.stdout


def test_settings_defaults_and_validation(tmp_path: Path) -> None:
    from vision_r1.evaluation import EvalSettings

    defaults = EvalSettings()
    assert (defaults.temperature, defaults.top_p, defaults.max_new_tokens, defaults.format_retries) == (
        0.6,
        0.95,
        16384,
        0,
    )
    with pytest.raises(ValueError, match=r"unknown evaluation settings \['temprature'\]"):
        EvalSettings.from_value({"temprature": 1.0})
    with pytest.raises(ValueError, match=r"llm_extractor: .*'url'"):
        EvalSettings.from_value({"llm_extractor": {"url": "http://x"}})
    with pytest.raises(ValueError, match="format_retries must be between 0 and 10"):
        EvalSettings(format_retries=11)
    with pytest.raises(ValueError, match="samples must be between 1 and 64"):
        EvalSettings(samples=0)
    with pytest.raises(ValueError, match="choose one re-sampling rule"):
        EvalSettings(format_retries=2, resample_missing_answer=True)
    assert EvalSettings(resample_missing_answer=True).retry_needed("<answer>5", format_ok=False)
    assert not EvalSettings(resample_missing_answer=True).retry_needed("x</answer> trailing", format_ok=False)
    assert EvalSettings(format_retries=1).retry_needed(
        "<think>a</think><answer>5</answer> x", format_ok=False
    )
    # options added later are left out of a run's identity at their defaults: older runs still resume
    assert "samples" not in EvalSettings().result_identity(tmp_path)
    assert EvalSettings(samples=4).result_identity(tmp_path)["samples"] == 4
    with pytest.raises(ValueError, match="backend must be"):
        EvalSettings(backend="sglang")
    identity = EvalSettings(batch_size=4, tensor_parallel_size=8).result_identity(tmp_path)
    assert "batch_size" not in identity and "tensor_parallel_size" not in identity
    assert identity["model_dir"] == str(tmp_path.resolve()) and identity["temperature"] == 0.6
