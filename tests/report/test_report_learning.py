"""The report's "Learning" picture: format shares per eval, GRPO rewards with control runs un-negated."""

from __future__ import annotations

import json
from pathlib import Path

from run_fixture import write_metric_lines

from vision_r1.evaluation.metrics import summarize
from vision_r1.report import build_report
from vision_r1.report.learning import format_shares, learning_figure, negated_stages, reward_curves
from vision_r1.report.run_data import load_run

RECIPE = {
    "name": "learn",
    "stages": [
        {"name": "eval_base", "kind": "eval"},
        {"name": "eval_sft", "kind": "eval"},
        {"name": "grpo", "kind": "grpo", "negate_reward": False},
        {"name": "grpo_control", "kind": "grpo", "negate_reward": True},
    ],
}


def scores(values: list[float]) -> list[tuple[int, dict]]:
    return [(step, {"critic/score/mean": value}) for step, value in enumerate(values, start=1)]


def record(format_ok: bool) -> dict:
    return {
        "correct": False,
        "format_ok": format_ok,
        "extracted": None,
        "truncated": False,
        "score": 0.0,
        "num_tokens": 20,
        "categories": {},
        "attempts": 1,
    }


def learning_run(root: Path) -> Path:
    run = root / "learn"
    stages = {s["name"]: {"kind": s["kind"], "status": "done"} for s in RECIPE["stages"]}
    run.mkdir()
    (run / "state.json").write_text(json.dumps({"recipe": RECIPE, "stages": stages, "order": list(stages)}))
    for name, formatted in (("eval_base", 0), ("eval_sft", 30)):  # of 32 held-out items
        (run / name).mkdir()
        records = [record(index < formatted) for index in range(32)]
        summary = {"benchmarks": {"synth_val": {"name": "synth_val", "kind": "rl", **summarize(records)}}}
        (run / name / "summary.json").write_text(json.dumps(summary))
    rising = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 1.0, 1.0]
    write_metric_lines(run / "grpo" / "metrics" / "attempt-001.jsonl", scores(rising))
    control = [-0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.0, 0.0, 0.0, 0.0]  # verl logs the negated score
    write_metric_lines(run / "grpo_control" / "metrics" / "attempt-001.jsonl", scores(control))
    return run


def test_control_runs_are_drawn_as_the_reward_itself(tmp_path: Path) -> None:
    run = load_run(learning_run(tmp_path))
    assert negated_stages(run.recipe) == {"grpo_control"}
    grpo, control = reward_curves(run)
    assert (grpo.stage, grpo.negated, control.stage, control.negated) == ("grpo", False, "grpo_control", True)
    assert round(grpo.first_mean, 6) == 0.4 and round(grpo.last_mean, 6) == 0.92
    assert control.rewards[:2] == [0.5, 0.4]
    assert round(control.first_mean, 6) == 0.3 and control.last_mean == 0.0
    assert control.label() == "grpo_control (control: trained on minus this): 0.30 -> 0.00"


def test_format_shares_come_from_each_eval_summary(tmp_path: Path) -> None:
    assert format_shares(load_run(learning_run(tmp_path))) == {
        "eval_base": 0.0,
        "eval_sft": 93.8,
    }  # summaries round to 0.1


def test_the_report_shows_the_learning_picture_first(tmp_path: Path) -> None:
    html = build_report(learning_run(tmp_path))
    assert (html.parent / "learning.png").read_bytes().startswith(b"\x89PNG")
    page = html.read_text()
    assert page.index("Learning") < page.index("Training curves: grpo")
    assert "![Learning](learning.png)" in (html.parent / "summary.md").read_text()


def test_a_run_without_evals_or_grpo_has_no_learning_picture(tmp_path: Path) -> None:
    run = tmp_path / "sft_only"
    write_metric_lines(run / "sft" / "metrics" / "attempt-001.jsonl", [(1, {"train/loss": 2.0})])
    assert learning_figure(load_run(run)) is None
