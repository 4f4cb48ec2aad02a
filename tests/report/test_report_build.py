"""The run report: metrics merging, defensive reading, and the page with its embedded pictures."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from run_fixture import GRPO_STAGES, build_run, grpo_metrics, write_metric_lines
from typer.testing import CliRunner

from vision_r1.cli import app
from vision_r1.report import build_report
from vision_r1.report.metrics_files import read_metrics
from vision_r1.report.plots import cold_start_figure, funnel_steps, length_histograms, length_percentiles
from vision_r1.report.run_data import load_run


def _embedded_pngs(html: str) -> list[Image.Image]:
    """The pictures the page carries inline, decoded (a broken one would raise here)."""
    found = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in found]


def test_full_run_report(tmp_path: Path) -> None:
    run = build_run(tmp_path)
    html_path = build_report(run)
    assert html_path == run / "report" / "report.html"
    html = html_path.read_text()
    pictures = _embedded_pngs(html)
    files = sorted(p.name for p in html_path.parent.glob("*.png"))
    assert files == [
        "cold-start-cold_start.png",
        "learning.png",
        "response-length.png",
        "stage-ptst_16k.png",
        "stage-ptst_4k.png",
        "stage-ptst_8k.png",
        "stage-sft.png",
    ]
    assert len(pictures) == len(files) and all(image.size[0] > 400 for image in pictures)
    assert "<th>MathVista</th><th>MathVerse</th><th>MM-Math</th><th>Avg</th>" in html
    assert html.count('class="status-done"') == 6 and "6m 30s" in html
    assert "max_response_length: 16384" in html  # the resolved recipe, as YAML
    assert "answer_mismatch" in html  # the raw stats.json is kept, folded
    assert "<h2>Notes</h2>" not in html
    summary = (html_path.parent / "summary.md").read_text()
    assert "| eval | strict | 75.0 | 50.0 | 66.7 | 63.9 |" in summary  # no official figures in this fixture
    assert "![Response length across GRPO stages](response-length.png)" in summary
    assert "| ptst_8k | grpo | done | 2026-11-22 10:21:00 | 2026-11-22 10:27:30 | 6m 30s | 20 |" in summary


def test_metric_files_merge_attempts_and_skip_torn_lines(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    write_metric_lines(directory / "attempt-2.jsonl", [(3, {"x": 30.0}), (4, {"x": 40.0, "note": "text"})])
    write_metric_lines(directory / "attempt-10.jsonl", [(4, {"x": 41.0}), (5, {"x": float("nan")})])
    write_metric_lines(directory / "attempt-1.jsonl", [(1, {"x": 1.0}), (2, {"x": 2.0}), (3, {"x": 3.0})])
    with (directory / "attempt-10.jsonl").open("a") as handle:
        handle.write('{"step": 6, "data": {"x": 6')  # killed mid-write
    assert read_metrics(directory) == {"x": [(1, 1.0), (2, 2.0), (3, 30.0), (4, 41.0)]}


def test_report_without_state_json_guesses_stages_and_says_so(tmp_path: Path) -> None:
    run = build_run(tmp_path, with_state=False)
    data = load_run(run)
    assert {stage.name: stage.kind for stage in data.stages} == {
        "cold_start": "cold_start",
        "eval": "eval",
        "ptst_16k": "grpo",
        "ptst_4k": "grpo",
        "ptst_8k": "grpo",
        "sft": "sft",
    }
    assert data.notes == [
        f"state.json not found in {run}: stage statuses, timings and the recipe are unknown."
    ]
    html = build_report(run, tmp_path / "out" / "page.html").read_text()
    assert "state.json not found" in html and "Resolved recipe" not in html
    assert len(_embedded_pngs(html)) == 7  # the six of a full run and the learning picture


def test_partial_and_broken_inputs_become_notes(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_metric_lines(run / "ptst_4k" / "metrics" / "a.jsonl", grpo_metrics(0, 4096, steps=5))
    (run / "cold").mkdir()
    (run / "cold" / "stats.json").write_text("{broken")
    state = {
        "recipe": {"name": "partial"},
        "stages": {
            "cold": {"kind": "cold_start", "status": "done"},
            "sft": {"kind": "sft", "status": "failed", "started_at": "yesterday"},
            "ptst_4k": {"kind": "grpo", "status": "running", "started_at": "2026-11-22T10:00:00+00:00"},
            "eval": {"kind": "eval", "status": "pending"},
        },
        "order": ["cold", "sft", "ptst_4k", "eval"],
    }
    (run / "state.json").write_text(json.dumps(state))
    html = build_report(run).read_text()
    notes = load_run(run).notes
    assert any("stats.json is not valid JSON" in note for note in notes)
    assert any("sft: started_at 'yesterday' is not an ISO time" in note for note in notes)
    assert any("stage sft: no training metrics" in note for note in notes)
    assert 'class="status-failed">failed' in html and 'class="status-running">running' in html
    assert "<h2>Evaluation</h2>" not in html
    assert len(_embedded_pngs(html)) == 3  # ptst_4k curves, the cross-stage length plot, learning


def test_cold_start_stats_shapes() -> None:
    assert funnel_steps({"funnel": [{"step": "input", "count": 10}, {"name": "kept", "n": 4}, {"x": 1}]}) == {
        "input": 10.0,
        "kept": 4.0,
    }
    binned = length_histograms({"length_histograms": {"thinking": {"edges": [0, 10, 20], "counts": [3, 1]}}})
    assert binned == {"thinking": ([0.0, 10.0, 20.0], [3.0, 1.0])}
    raw = length_histograms({"lengths": {"answer": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}})
    edges, counts = raw["answer"]
    assert sum(counts) == 10 and edges[0] == 1.0 and edges[-1] == 10.0
    assert length_histograms({"lengths": {"bad": {"edges": [0, 1], "counts": [1, 2]}}}) == {}
    pipeline_shape = {"thinking_tokens": {"kept": {"p10": 3.0, "p50": 9.0, "mean": 8.5}, "all": {}}}
    assert length_percentiles(pipeline_shape) == {"kept": {"p10": 3.0, "p50": 9.0, "mean": 8.5}}
    assert cold_start_figure({"answer_match_rate": 0.5}) is None  # nothing to draw: no picture


def test_report_cli(tmp_path: Path) -> None:
    run = build_run(tmp_path)
    result = CliRunner().invoke(app, ["report", str(run), "--out", str(tmp_path / "r" / "index.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "index.html").is_file() and (tmp_path / "r" / "summary.md").is_file()
    missing = CliRunner().invoke(app, ["report", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "does not exist" in missing.output


@pytest.mark.slow
def test_metrics_written_by_verls_own_file_logger_are_read(tmp_path: Path, monkeypatch) -> None:
    from verl.utils.tracking import FileLogger

    path = tmp_path / "stage" / "metrics" / "attempt-1.jsonl"
    path.parent.mkdir(parents=True)
    monkeypatch.setenv("VERL_FILE_LOGGER_PATH", str(path))
    logger = FileLogger("vision-r1", GRPO_STAGES[0][0])
    for step, data in grpo_metrics(0, 4096, steps=3):
        logger.log(data, step)
    logger.finish()
    metrics = read_metrics(path.parent)
    assert [step for step, _ in metrics["response_length/mean"]] == [1, 2, 3]
    assert metrics["actor/kl_loss"] == [(1, 0.001), (2, 0.002), (3, 0.003)]
