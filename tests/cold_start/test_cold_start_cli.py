"""`vision-r1 cold-start` on the shipped tiny config: CPU default end to end, resumable, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from vision_r1.cli import app

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "data_pipeline" / "configs" / "tiny.yaml"
ASSISTANT = re.compile(r"^<think>\n(.+)\n</think><answer>Final Answer: (.+)</answer>$", re.DOTALL)


@pytest.mark.slow
@pytest.mark.e2e
def test_tiny_config_runs_end_to_end_and_resumes(tmp_path: Path) -> None:
    runner = CliRunner()
    arguments = ["cold-start", str(TINY), "--output-dir", str(tmp_path), "--limit", "6", "--no-progress"]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    assert "cold-start funnel" in first.output and "18 sent" in first.output

    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["funnel"]["input"] == 6
    # every sample got a reasoning reply or a recorded failure (random weights may stop at once)
    assert stats["funnel"]["reasoning"] + sum(stats["failures"]["reasoning"].values()) == 6
    assert stats["outcomes"]["not_yet_generated"] == 0
    rows = pq.read_table(tmp_path / "sft.parquet").to_pylist()
    assert len(rows) == stats["funnel"]["kept"] > 0
    answers = {
        row["id"]: row["answer"]
        for row in pq.read_table(next(tmp_path.glob("synth-*/coldstart_input.parquet"))).to_pylist()
    }
    kept = [
        json.loads(line)["id"]
        for line in (tmp_path / "decisions.jsonl").read_text().splitlines()
        if json.loads(line)["status"] == "kept"
    ]
    for row, sample_id in zip(rows, kept, strict=True):
        assert row["messages"][0]["content"].startswith("<image>")
        match = ASSISTANT.match(row["messages"][1]["content"])
        assert match and match.group(2) == answers[sample_id]
        assert len(row["images"]) == 1 and row["images"][0]["bytes"].startswith(b"\x89PNG")

    again = runner.invoke(app, arguments)
    assert again.exit_code == 0, again.output
    assert "requests: 0 sent, " in again.output  # nothing journaled is asked for again
    assert pq.read_table(tmp_path / "sft.parquet").to_pylist() == rows


def test_bad_config_exits_with_a_message_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(TINY.read_text().replace("answer_format:", "answer_fromat:"))
    result = CliRunner().invoke(app, ["cold-start", str(config), "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "assemble.answer_fromat: unknown key (did you mean 'answer_format'?)" in result.output
