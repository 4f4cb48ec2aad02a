"""The README's main job for real: `vision-r1 run recipes/tiny.yaml` on CPU through verl, end to end.

One run dir goes through: the whole run, whose terminal output (a header, progress and a result per
stage) must fit in 100 lines while verl's and Ray's output goes to the stages' logs; `--from` the
last GRPO stage, killed (SIGKILL) during its merge; the resume (only the merge is redone, then
eval); a re-run that does nothing; and `vision-r1 report` on the real outputs. The three GRPO stages
share the run's own Ray cluster, which is gone after the run and after the kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vision_r1.orphans import marked_processes
from vision_r1.run_state import RunState
from vision_r1.run_status import last_metrics

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "tiny.yaml"
RUN_TIMEOUT = 1500
GRPO = {"grpo_32": (32, 8), "grpo_64": (64, 4), "grpo_128": (128, 2)}
STAGES = ["base", "data", "cold_start", "sft", *GRPO, "eval"]
TERMINAL_LINES = 100


def vision_r1(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vision_r1.cli", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def kill_during_merge(run_dir: Path, stage: str) -> None:
    """Re-run `stage` and SIGKILL the runner as soon as it has finished training (its merge is next)."""
    runner = subprocess.Popen(
        [sys.executable, "-m", "vision_r1.cli", "run", str(RECIPE), f"run_dir={run_dir}", "--from", stage],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marker = run_dir / stage / "training_done.json"  # the first run's is still there until --from moves it
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while not (marker.exists() and RunState.load(run_dir).stages[stage].status == "running"):
            assert runner.poll() is None, f"the run ended (code {runner.returncode}) before {stage} trained"
            assert time.monotonic() < deadline, "timed out waiting for training to finish"
            time.sleep(0.05)
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=60)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()


def cluster_processes(run_dir: Path) -> list[int]:
    """Processes of the run's own Ray cluster (the runner's marker for it)."""
    return marked_processes(f"{run_dir.resolve()}#ray")


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(3 * RUN_TIMEOUT)
def test_tiny_recipe_end_to_end_with_kill_resume_noop_and_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # what verl or Hydra might write beside the caller shows up here
    run_dir = tmp_path / "tiny"
    first = vision_r1("run", str(RECIPE), f"run_dir={run_dir}")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    shown = (first.stdout + first.stderr).splitlines()
    assert len(shown) < TERMINAL_LINES, "\n".join(shown)
    for position, name in enumerate(STAGES, start=1):  # a header and a one-line result per stage
        assert sum(f"{name} (" in line and f"stage {position}/8" in line for line in shown) == 1
        assert sum(line.startswith(f"done {name} in ") for line in shown) == 1
    assert any(line.startswith("  step 1/2 · reward ") for line in shown)  # a GRPO progress line
    assert shown[-1].startswith("run tiny finished in ")
    for noise in ("(TaskRunner", "WARNING", "ray init kwargs", "Traceback"):
        assert not any(noise in line for line in shown), noise
    for name in GRPO:  # verl's own output went to the stage's log; the stage joined the run's cluster
        log = (run_dir / name / "log.txt").read_text()
        assert "(TaskRunnerV1" in log and "Connected to Ray cluster" in log
        assert "Started a local Ray instance" not in log
    assert "Ray runtime started" in (run_dir / "ray_cluster.log").read_text()
    assert cluster_processes(run_dir) == []
    before = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file() and p.name != "state.json"}

    kill_during_merge(run_dir, "grpo_128")
    state = RunState.load(run_dir)
    assert state.stages["grpo_64"].status == "done"
    assert state.stages["grpo_128"].status == "running"  # what a hard kill leaves behind
    assert not (run_dir / "grpo_128" / "model").exists()
    assert (run_dir / "grpo_128.previous" / "model").is_dir()  # --from kept the first attempt
    deadline = time.monotonic() + 60
    while cluster_processes(run_dir):  # the orphan watcher stops the run's cluster
        assert time.monotonic() < deadline, f"left behind: {cluster_processes(run_dir)}"
        time.sleep(0.2)

    resumed = vision_r1("run", str(RECIPE), f"run_dir={run_dir}")
    assert resumed.returncode == 0, resumed.stdout[-4000:] + resumed.stderr[-4000:]
    log = (run_dir / "grpo_128" / "log.txt").read_text()
    assert log.count("-m verl.trainer.main_ppo") == 1  # training was not repeated ...
    assert log.count("-m verl.model_merger") >= 1  # ... only the merge
    state = RunState.load(run_dir)
    assert all(state.stages[name].status == "done" for name in state.order)
    assert state.stages["grpo_64"].attempts == 1 and state.stages["grpo_128"].attempts == 2
    redone = ("/grpo_128", "/eval/", "/ray_cluster.log")  # the run's cluster log grows with every run
    untouched = [p for p in before if not any(part in str(p) for part in redone)]
    assert all(p.stat().st_mtime_ns == before[p] for p in untouched)

    # Every hand-off is a loadable HF model; PTST lengths and group sizes reached verl.
    for name, (length, group) in GRPO.items():
        step, metrics = last_metrics(run_dir / name)
        assert step == 2
        assert 0 < metrics["response_length/max"] <= length
        assert metrics["actor/pg_loss"] == metrics["actor/pg_loss"]  # finite, not NaN
        overrides = state.stages[name].config["overrides"]
        assert f"actor_rollout_ref.rollout.n={group}" in overrides
        assert (run_dir / name / "model" / "model.safetensors").is_file()
    summary = json.loads((run_dir / "eval" / "summary.json").read_text())
    assert summary["benchmarks"]["synth_val"]["items"] == 8

    settled = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file() and p.name != "state.json"}
    again = vision_r1("run", str(RECIPE), f"run_dir={run_dir}")
    assert again.returncode == 0
    assert again.stdout.count("skip ") == len(state.order)
    assert {p: p.stat().st_mtime_ns for p in settled} == settled

    report = vision_r1("report", str(run_dir))
    assert report.returncode == 0, report.stderr
    page = (run_dir / "report" / "report.html").read_text()
    for section in (
        "Response length across GRPO stages",
        "Cold start: cold_start",
        "Training curves: grpo_64",
    ):
        assert section in page
    assert page.count("data:image/png;base64,") >= 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]  # nothing left outside the run dir
