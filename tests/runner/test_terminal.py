"""The run's terminal: progress lines read from the files stages write, results, failures, quiet output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from stages.progress import (
    Progress,
    cold_start_progress,
    cold_start_summary,
    eval_progress,
    training_progress,
    training_summary,
)
from vision_r1.terminal import (
    PLAIN_INTERVAL_S,
    Poller,
    RateTracker,
    RunTerminal,
    format_seconds,
    progress_line,
)


def write_metrics(
    stage_dir: Path, attempt: int, steps: dict[int, dict[str, float]], torn: bool = False
) -> None:
    path = stage_dir / "metrics" / f"attempt-{attempt:03d}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps({"step": step, "data": data}) + "\n" for step, data in steps.items())
    path.write_text(text + ('{"step": 9, "da' if torn else ""))


def test_grpo_progress_reads_the_latest_step_over_attempts(tmp_path: Path) -> None:
    assert training_progress(tmp_path, 3, "starting verl", grpo=True).phase == "starting verl"
    write_metrics(tmp_path, 1, {1: {"critic/score/mean": 0.25, "response_length/mean": 30.4}})
    step_two = {"critic/score/mean": 0.5, "response_length/mean": 12.0, "timing_s/step": 4.0}
    write_metrics(tmp_path, 2, {2: step_two}, torn=True)  # a resumed launch, mid-write
    progress = training_progress(tmp_path, 3, "starting verl", grpo=True)
    assert (progress.done, progress.total, progress.seconds_per_unit) == (2, 3, 4.0)
    assert progress.details == ["reward 0.500", "resp len 12"]
    assert progress_line(progress, 4.0) == "step 2/3 · reward 0.500 · resp len 12 · 4.0 s/step · ETA 4 s"
    assert training_summary(tmp_path, grpo=True) == "2 steps, reward 0.500, resp len 12"
    (tmp_path / "model.partial").mkdir()
    assert "merging" in (training_progress(tmp_path, 3, "", grpo=True).phase or "")


def test_sft_progress_shows_the_loss(tmp_path: Path) -> None:
    write_metrics(tmp_path, 1, {1: {"train/loss": 6.8125}, 2: {"train/loss": 6.765625}})
    progress = training_progress(tmp_path, None, "", grpo=False)
    assert progress_line(progress, None) == "step 2 · loss 6.766"


def test_cold_start_progress_counts_journal_requests_then_reports_kept(tmp_path: Path) -> None:
    records = [{"ok": True}, {"ok": False, "transient": True}, {"ok": False, "reason": "empty"}]
    (tmp_path / "journal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records) + '{"ok": tr')
    progress = cold_start_progress(tmp_path, samples=4)
    assert (progress.done, progress.total, progress.unit) == (3, 12, "request")
    assert progress.details == ["1 failures"]  # a transient failure is sent again, not a failure
    stats = {
        "funnel": {"kept": 3, "input": 4},
        "outcomes": {"failed_generation": 1, "lost_to_filters": 0},
        "requests": {"pseudo_cot": {"new": 4}, "description": {"new": 4}, "reasoning": {"new": 3}},
    }
    (tmp_path / "stats.json").write_text(json.dumps(stats))
    assert cold_start_progress(tmp_path, samples=4).phase == "kept 3/4 samples"
    assert cold_start_summary(tmp_path) == "kept 3/4 samples (1 failed, 0 filtered), 11 requests"


def test_eval_progress_counts_results_over_benchmarks(tmp_path: Path) -> None:
    for name, count in (("a", 2), ("b", 3)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.jsonl").write_text('{"id": 1}\n' * count)
    assert (eval_progress(tmp_path, 8).done, eval_progress(tmp_path, 8).total) == (5, 8)


def test_rate_and_eta_come_from_observed_counts() -> None:
    rate = RateTracker()
    rate.observe(0, now=100.0)
    assert rate.seconds_per_unit() is None
    rate.observe(2, now=110.0)
    rate.observe(4, now=120.0)
    assert rate.seconds_per_unit() == 5.0
    rate.observe(1, now=130.0)  # a new launch counts again from its own start
    assert rate.seconds_per_unit() is None
    line = progress_line(Progress(4, 10, unit="request", details=["0 failures"]), 5.0)
    assert line == "request 4/10 · 0 failures · 5.0 s/request · ETA 30 s"
    assert [format_seconds(s) for s in (9.6, 61, 3725)] == ["10 s", "1 min 01 s", "1 h 02 min"]


def test_a_failure_shows_the_last_40_log_lines_and_the_log_path(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("".join(f"line {n}\n" for n in range(100)))
    out = io.StringIO()
    RunTerminal(Console(file=out, width=120)).failure("grpo_32", 75.0, log)
    shown = out.getvalue()
    assert "failed grpo_32 after 1 min 15 s" in shown
    assert "line 60\n" in shown and "line 99\n" in shown and "line 59\n" not in shown
    assert f"full log: {log}" in shown


def test_plain_output_prints_a_line_per_phase_and_throttles_counts() -> None:
    out = io.StringIO()
    readings = [Progress(phase="starting"), Progress(1, 3), Progress(2, 3), Progress(3, 3), None]
    readings.append(Progress(phase="merging"))
    poller = Poller(lambda: readings.pop(0), Console(file=out, width=120), now=0.0)
    for now in (0.0, 10.0, 12.0, 10.0 + PLAIN_INTERVAL_S, 50.0, 51.0):
        poller.print_when_moved(*poller.line(now), now)
    shown = [line.split(" · ")[0].strip() for line in out.getvalue().splitlines()]
    # a phase change always prints; a count only PLAIN_INTERVAL_S after the last printed line
    assert shown == ["starting", "step 1/3", "step 3/3", "merging"]


# In a process of its own: pytest replaces sys.stdout, the runner's process does not.
CAPTURING = """
import os, sys
from pathlib import Path
from vision_r1.output_capture import output_to, terminal_stream
stream = terminal_stream()
with output_to(Path(sys.argv[1])):
    print("from python", flush=True)
    os.write(2, b"from a native library\\n")
    sys.stderr.write("a warning\\n")
    stream.write("to the terminal\\n")
print("after")
"""


def test_output_capture_sends_this_processes_output_to_the_log(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    shown = subprocess.run(
        [sys.executable, "-c", CAPTURING, str(log)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert log.read_text().splitlines() == ["from python", "from a native library", "a warning"]
    assert shown.stdout.splitlines() == ["to the terminal", "after"] and shown.stderr == ""


def test_a_stdout_without_a_descriptor_is_the_terminal_itself(monkeypatch) -> None:
    from vision_r1.output_capture import terminal_stream

    captured = io.StringIO()  # what a CLI test runner puts in place of stdout
    monkeypatch.setattr(sys, "stdout", captured)
    assert terminal_stream() is captured
