"""Stage commands that hang, and stage commands whose runner is SIGKILLed: nothing hangs, nothing survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kill_helpers import sigkill_and_expect_no_survivors, wait_until_marked

from vision_r1.process import CommandStalled, logged_commands, run_logged

# Prints a progress bar with carriage returns only (no newline) for `seconds`, then a line, then
# sleeps silently: what a working stage and then a hung one look like.
PROGRESS_THEN_SILENCE = """
import sys, time
for i in range(int(float(sys.argv[1]) / 0.1)):
    print(f"\\rstep {i}", end="", flush=True)
    time.sleep(0.1)
print("\\nweights sent, waiting for the rollout", flush=True)
time.sleep(120)
"""


def test_a_silent_command_is_stopped_and_reported_with_its_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    started = time.monotonic()
    with pytest.raises(CommandStalled) as raised:
        # 3 s of \\r-only progress outlasts the 1.5 s limit: bytes count as progress, not lines
        run_logged([sys.executable, "-c", PROGRESS_THEN_SILENCE, "3"], log, echo=False, stall_timeout_s=1.5)
    assert 4 < time.monotonic() - started < 30
    message = str(raised.value)
    assert "no progress for 2 s" in message
    assert "resources.stall_timeout_s" in message
    assert "weights sent, waiting for the rollout" in message  # the last log lines are shown
    assert "weights sent" in log.read_text()


HEARTBEAT_FOREVER = """
import datetime, time
for i in range(3):
    print(f"step:{i} reward 0.{i}", flush=True)
    time.sleep(0.2)
while True:
    print(f"INFO:{datetime.datetime.now()}:pending: 0, running: 1, finished: 1, failure: 0", flush=True)
    time.sleep(0.2)
"""


def test_a_repeated_status_line_is_not_progress(tmp_path: Path) -> None:
    """verl's agent loop repeats its status line every minute while a request waits on a lost node:
    the same line with a new timestamp must not keep the stage alive; changing lines do."""
    log = tmp_path / "log.txt"
    started = time.monotonic()
    with pytest.raises(CommandStalled) as raised:
        run_logged([sys.executable, "-c", HEARTBEAT_FOREVER], log, echo=False, stall_timeout_s=1.5)
    assert time.monotonic() - started < 30
    assert "pending: 0, running: 1, finished: 1" in str(raised.value)
    assert "step:2 reward 0.2\n" in log.read_text()


# A launcher (what `vision-r1 run` is to its stage) whose stage leaves a detached grandchild behind,
# as Ray workers and vLLM's engine core do; the launcher is then SIGKILLed.
LAUNCHER = """
import sys
from pathlib import Path
from vision_r1.process import run_logged
run_logged(
    [sys.executable, "-c", sys.argv[1], sys.argv[2]], Path(sys.argv[3]), echo=False, marker=sys.argv[4]
)
"""
DETACHING_STAGE = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(120)
"""


def test_processes_of_a_sigkilled_launcher_are_stopped(tmp_path: Path) -> None:
    marker = f"test-{tmp_path}"
    pid_file = tmp_path / "grandchild.pid"
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, DETACHING_STAGE, str(pid_file), str(tmp_path / "log.txt"), marker],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    try:
        while not pid_file.is_file() or not pid_file.read_text():
            assert time.monotonic() < deadline and launcher.poll() is None, "stage never started"
            time.sleep(0.05)
        grandchild = int(pid_file.read_text())
        wait_until_marked(grandchild, marker)
        sigkill_and_expect_no_survivors(launcher, marker)
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)


def test_the_log_names_each_command_with_its_start_time(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    lookalike = "print('=== not a time $ python -m fake')"  # a command's output shaped like a header
    run_logged([sys.executable, "-c", lookalike], log, echo=False)
    run_logged([sys.executable, "-c", "print('second')"], log, echo=False)
    commands = logged_commands(log.read_text())
    assert [command for _, command in commands] == [
        f"{sys.executable} -c {lookalike}",
        f"{sys.executable} -c print('second')",
    ]
    assert commands[0][0] <= commands[1][0]
