"""Run a verl launch as a supervised child: own process group, log file, hard timeout, clean kill.

A verl launch fans out (torchrun ranks; Ray's GCS, raylet and worker processes; vLLM's engine core),
and a stuck run on a CPU box otherwise waits forever. The child starts a new session, so one
`killpg` on its PID ends what stayed in its group; what left the group (Ray workers, vLLM) carries
the launch's environment marker and is stopped by it (`vision_r1.orphans`), also if the caller dies. A timeout gets SIGTERM, then SIGKILL after a grace period; a stop
requested through `stop_when` is an immediate SIGKILL, i.e. a crash or preemption, which is what
the kill-and-resume test needs to simulate.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vision_r1.orphans import MARKER_ENV, watch_for_orphans

GRACE_SECONDS = 10.0
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class RunResult:
    returncode: int
    seconds: float
    timed_out: bool
    stopped: bool  # ended by `stop_when`, not by itself
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def kill_process_group(process: subprocess.Popen, grace_s: float = GRACE_SECONDS) -> None:
    """SIGTERM the group `process` leads (skipped when `grace_s` is 0), then SIGKILL what is left."""
    steps = ((signal.SIGTERM, grace_s), (signal.SIGKILL, 0.0)) if grace_s > 0 else ((signal.SIGKILL, 0.0),)
    for sig, wait in steps:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()  # reap the leader, or the group never looks empty
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(POLL_SECONDS)


def run_supervised(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    log_path: Path,
    timeout_s: float,
    cwd: Path | None = None,
    stop_when: Callable[[], bool] | None = None,
    poll_s: float = POLL_SECONDS,
    marker: str | None = None,
) -> RunResult:
    """Run `command` to completion (or `timeout_s`, or until `stop_when()` is true); log to `log_path`.

    `marker` (default: a fresh unique one) tags every process of the launch, for clean-up and for a
    caller that wants to find them meanwhile (`vision_r1.orphans.marked_processes`).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    marker = marker or f"supervised-{os.getpid()}-{uuid.uuid4().hex}"
    with log_path.open("wb") as log, watch_for_orphans(marker):
        process = subprocess.Popen(
            list(command),
            env={**env, MARKER_ENV: marker},
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = stopped = False
        try:
            while process.poll() is None:
                if time.monotonic() - start > timeout_s:
                    timed_out = True
                    break
                if stop_when is not None and stop_when():
                    stopped = True
                    break
                time.sleep(poll_s)
        finally:
            # Also reaps grandchildren (Ray daemons, torchrun ranks) a finished run left behind.
            kill_process_group(process, grace_s=0.0 if stopped else GRACE_SECONDS)
            process.wait()
    return RunResult(process.returncode, time.monotonic() - start, timed_out, stopped, log_path)
