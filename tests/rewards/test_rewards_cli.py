"""`vision-r1 rewards score|kinds`: what a user sees when checking a reward by hand."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from vision_r1.cli import app

runner = CliRunner()


def test_score_prints_the_reward_as_json() -> None:
    response = "<think>2+3</think><answer> Final Answer:5 </answer>"
    result = runner.invoke(app, ["rewards", "score", response, "--truth", "5", "--data-source", "geometry3k"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["score"] == 1.0


def test_score_reads_stdin_and_takes_kind_and_extra() -> None:
    result = runner.invoke(
        app,
        [
            "rewards",
            "score",
            "-",
            "--truth",
            "30°",
            "--kind",
            "math",
            "--extra",
            '{"choices": ["15°", "30°"]}',
        ],
        input="<answer>B</answer>",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["accuracy"] == 1.0


def test_score_reports_bad_input_clearly() -> None:
    result = runner.invoke(app, ["rewards", "score", "x", "--truth", "5", "--kind", "bleu"])
    assert result.exit_code != 0 and "unknown reward kind 'bleu'" in result.output
    result = runner.invoke(app, ["rewards", "score", "x", "--truth", "5", "--extra", "{oops"])
    assert result.exit_code != 0 and "not JSON" in result.output


def test_kinds_lists_every_kind_with_its_data_sources() -> None:
    result = runner.invoke(app, ["rewards", "kinds"])
    assert result.exit_code == 0, result.output
    for kind in ("hfrrf", "r1v", "math", "iou", "giou", "detection", "map", "classification"):
        assert f"\n{kind} " in "\n" + result.output
    assert "refcoco" in result.output and "flowers102" in result.output
