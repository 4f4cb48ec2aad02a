"""Supervised launches end their whole process tree: on timeout, on request, and after a normal exit."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from vision_r1.verl_cpu.supervise import run_supervised

# A parent that starts a long-lived grandchild, records its pid, then waits (or exits at once).
# "detach" puts the grandchild in a session of its own, as Ray does with its workers and they with
# vLLM's engine core: a process-group kill cannot reach it.
SPAWNER = """
import subprocess, sys, time
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=sys.argv[2] == "detach"
)
open(sys.argv[1], "w").write(str(child.pid))
print("started", flush=True)
if sys.argv[2] in ("wait", "detach"):
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return status.is_file() and status.read_text().split()[2] != "Z"


def _run(tmp_path: Path, mode: str, **kwargs):
    pid_file = tmp_path / f"{mode}.pid"
    result = run_supervised(
        [sys.executable, "-c", SPAWNER, str(pid_file), mode],
        env=dict(os.environ),
        log_path=tmp_path / f"{mode}.log",
        **kwargs,
    )
    time.sleep(0.2)
    return result, int(pid_file.read_text())


def test_timeout_kills_the_grandchildren_too(tmp_path: Path) -> None:
    result, grandchild = _run(tmp_path, "wait", timeout_s=3)
    assert result.timed_out and not result.stopped
    assert result.seconds < 20
    assert "started" in result.log_tail()
    assert not _alive(grandchild)


def test_stop_request_is_an_immediate_kill(tmp_path: Path) -> None:
    pid_file = tmp_path / "wait.pid"
    result, grandchild = _run(tmp_path, "wait", timeout_s=60, stop_when=pid_file.is_file)
    assert result.stopped and not result.timed_out
    assert result.returncode == -9
    assert not _alive(grandchild)


def test_a_finished_run_leaves_nothing_behind(tmp_path: Path) -> None:
    result, grandchild = _run(tmp_path, "exit", timeout_s=60)
    assert result.returncode == 0 and not result.timed_out and not result.stopped
    assert not _alive(grandchild)


def test_a_grandchild_that_left_the_group_is_stopped_too(tmp_path: Path) -> None:
    result, grandchild = _run(tmp_path, "detach", timeout_s=3)
    assert result.timed_out
    assert not _alive(grandchild)
