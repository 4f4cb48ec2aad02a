"""The runner for real: child processes, state.json, skip/resume rules, kill -9, clean-up by group id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from kill_helpers import wait_until_marked

from vision_r1.orphans import MARKER_ENV, marked_processes, stop_marked
from vision_r1.run_state import RunState
from vision_r1.run_status import status_table

TIMEOUT = 240


def write_recipe(tmp_path: Path, run_dir: Path, n: int = 12, tasks: list[str] | None = None) -> Path:
    synth = {"name": "data", "kind": "synth", "n": n, "seed": 3}
    if tasks:
        synth["tasks"] = tasks
    recipe = {
        "name": "mini",
        "base_model": "none",
        "run_dir": str(run_dir),
        "resources": {"device": "cpu"},
        "stages": [{"name": "base", "kind": "tiny_model", "seed": 0}, synth],
    }
    path = tmp_path / f"recipe-{run_dir.name}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def vision_r1(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vision_r1.cli", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def mtimes(run_dir: Path) -> dict[str, int]:
    return {
        str(p): p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file() and p.name != "state.json"
    }


@pytest.mark.slow
def test_run_rerun_noop_changed_config_and_from(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    recipe = write_recipe(tmp_path, run_dir)
    first = vision_r1("run", str(recipe))
    assert first.returncode == 0, first.stdout + first.stderr
    state = RunState.load(run_dir)
    assert [state.stages[n].status for n in state.order] == ["done", "done"]
    assert pq.read_metadata(state.stages["data"].outputs["rl_train"]).num_rows == 12
    before = mtimes(run_dir)

    again = vision_r1("run", str(recipe))
    assert again.returncode == 0
    assert "skip base: done" in again.stdout and "skip data: done" in again.stdout
    assert mtimes(run_dir) == before  # a re-run of a finished run touches nothing

    changed = vision_r1("run", str(recipe), "stages.data.n=13")
    assert changed.returncode == 2
    assert "--from data" in changed.stdout

    redo = vision_r1("run", str(recipe), "stages.data.n=13", "--from", "data")
    assert redo.returncode == 0, redo.stdout + redo.stderr
    assert "base" not in redo.stdout  # stages before --from are not even looked at
    state = RunState.load(run_dir)
    assert pq.read_metadata(state.stages["data"].outputs["rl_train"]).num_rows == 13
    assert (run_dir / "data.previous" / "sets" / "rl_train.parquet").is_file()  # the old attempt is kept
    assert state.stages["base"].attempts == 1 and state.stages["data"].attempts == 1

    data_files = {k: v for k, v in mtimes(run_dir).items() if "/data/" in k}
    only = vision_r1("run", str(recipe), "stages.data.n=13", "--only", "base")
    assert only.returncode == 0, only.stdout + only.stderr
    assert (run_dir / "base.previous" / "model" / "config.json").is_file()
    assert {k: v for k, v in mtimes(run_dir).items() if "/data/" in k} == data_files
    state = RunState.load(run_dir)
    assert state.stages["base"].attempts == 1 and state.stages["data"].status == "done"

    until = vision_r1("run", str(recipe), "stages.data.n=14", "--until", "base")
    assert until.returncode == 0 and "skip base: done" in until.stdout  # data's change is not looked at

    table = status_table(run_dir)
    assert table.row_count == 2


@pytest.mark.slow
def test_failing_stage_reports_log_tail_and_state(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    recipe = write_recipe(tmp_path, run_dir, tasks=["no_such_task"])
    result = vision_r1("run", str(recipe))
    assert result.returncode == 2
    assert "stage 'data' failed" in result.stdout
    assert "no_such_task" in result.stdout  # the child's own error, from the log tail
    state = RunState.load(run_dir)
    assert state.stages["base"].status == "done"
    assert state.stages["data"].status == "failed"
    assert "no_such_task" in (run_dir / "data" / "log.txt").read_text()


@pytest.mark.slow
def test_kill_9_during_a_stage_then_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    reference_dir = tmp_path / "reference"
    assert vision_r1("run", str(write_recipe(tmp_path, reference_dir, n=1500))).returncode == 0

    run_dir = tmp_path / "killed"
    recipe = write_recipe(tmp_path, run_dir, n=1500)
    runner = subprocess.Popen(
        [sys.executable, "-m", "vision_r1.cli", "run", str(recipe)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    partial = run_dir / "data" / "sets.partial" / "rl_train.parquet"
    deadline = time.monotonic() + TIMEOUT
    try:
        while not partial.exists():
            assert time.monotonic() < deadline and runner.poll() is None, "synth never started"
            time.sleep(0.05)
        state = json.loads((run_dir / "state.json").read_text())
        assert state["stages"]["data"]["status"] == "running"
        marker = str((run_dir / "data").resolve())
        assert marked_processes(marker)
        runner.send_signal(signal.SIGKILL)  # the runner only: nothing it started may outlive it
        runner.wait(timeout=30)
        while marked_processes(marker):
            assert time.monotonic() < deadline, "the stage's processes outlived the runner"
            time.sleep(0.1)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)

    assert RunState.load(run_dir).stages["data"].status == "running"  # what a hard kill leaves
    resumed = vision_r1("run", str(recipe))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "skip base: done" in resumed.stdout
    for name in ("rl_train.parquet", "rl_val.parquet", "coldstart_input.parquet"):
        got = pq.read_table(run_dir / "data" / "sets" / name)
        want = pq.read_table(reference_dir / "data" / "sets" / name)
        assert got.equals(want), name
    assert not (run_dir / "data" / "sets.partial").exists()
    assert RunState.load(run_dir).stages["data"].attempts == 2


def test_clean_up_stops_only_processes_with_the_marker(tmp_path: Path) -> None:
    marker = str(tmp_path / "stage")
    sleeper = subprocess.Popen(
        ["sleep", "60"], env={**os.environ, MARKER_ENV: marker}, start_new_session=True
    )
    try:
        wait_until_marked(sleeper.pid, marker)
        assert stop_marked("some other run") == 0  # another run's (or a reused PID's) process is left alone
        assert sleeper.poll() is None
        assert marked_processes(marker) == [sleeper.pid]
        assert stop_marked(marker) == 1
        assert sleeper.wait(timeout=10) == -signal.SIGTERM
    finally:
        if sleeper.poll() is None:
            sleeper.kill()


# Starts `sleep 60` children in their own sessions as fast as it can, until it is killed.
SPAWNER = """
import subprocess
while True:
    subprocess.Popen(["sleep", "60"], start_new_session=True)
"""


def test_clean_up_stops_what_a_process_was_starting_as_it_was_killed(tmp_path: Path) -> None:
    """A stage's process may be starting another at the moment it is SIGKILLed (a Ray raylet
    spawning a worker): the child, outside the group and unmarked for a moment while in execve,
    must not outlive the clean-up."""
    marker = str(tmp_path / "stage")
    spawner = subprocess.Popen(
        [sys.executable, "-c", SPAWNER], env={**os.environ, MARKER_ENV: marker}, start_new_session=True
    )
    try:
        wait_until_marked(spawner.pid, marker)
        while len(marked_processes(marker)) < 5:  # it is spawning
            assert spawner.poll() is None
            time.sleep(0.05)
        assert stop_marked(marker, grace_s=0.0) >= 5  # those caught by a later sweep count too (CI saw 4)
        assert spawner.wait(timeout=10) == -signal.SIGKILL
        assert marked_processes(marker) == []
    finally:
        stop_marked(marker, grace_s=0.0)
