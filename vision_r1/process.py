"""Run a stage's command as a child process: output streamed to the console and appended to a log.

The child gets its own process group so that an interrupt (Ctrl-C, SIGTERM, a test's timeout) stops
it and everything it started (torchrun workers, a local Ray head) by group id, never by name.
If the runner itself is killed with SIGKILL, the kernel kills the direct child (PR_SET_PDEATHSIG);
grandchildren left in the group are found by group id plus an environment marker and stopped by
`kill_stale_group` when the run is resumed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

LOG_TAIL_LINES = 40
_GRACE_SECONDS = 20.0
MARKER_ENV = "VISION_R1_JOB"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL it when the runner process dies."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _group_members(pgid: int, marker: str) -> list[int]:
    """PIDs in process group `pgid` whose environment carries our job marker (PID reuse safe)."""
    members = []
    needle = f"{MARKER_ENV}={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                members.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return members


def kill_stale_group(pgid: int, marker: str) -> int:
    """SIGKILL what is left of an earlier launch (its runner was killed); returns how many processes."""
    members = _group_members(pgid, marker)
    for pid in members:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(members)


class CommandFailed(RuntimeError):
    """A command exited non-zero; carries the last lines of its output for the error message."""

    def __init__(self, argv: Sequence[str], returncode: int, tail: list[str], log_path: Path) -> None:
        self.returncode = returncode
        self.tail = tail
        self.log_path = log_path
        shown = "".join(tail).rstrip()
        super().__init__(
            f"command exited with code {returncode}: {' '.join(argv[:4])} ...\n"
            f"--- last {len(tail)} lines of {log_path} ---\n{shown}"
        )


def stop_process_group(process: subprocess.Popen[bytes], grace: float = _GRACE_SECONDS) -> None:
    """SIGTERM the child's whole group, then SIGKILL whatever is left after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_logged(
    argv: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    echo: bool = True,
    marker: str = "",
    on_start: Callable[[int], None] | None = None,
) -> None:
    """Run `argv`, tee its combined output into `log_path` (appending), raise CommandFailed on failure.

    `marker` tags the child's environment so a later run can find leftovers of this launch;
    `on_start(pgid)` is called once the child exists (the runner records the group id).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1", MARKER_ENV: marker}
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    with log_path.open("a", encoding="utf-8") as log:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        log.write(f"\n=== {stamp} $ {' '.join(argv)}\n")
        log.flush()
        process = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        if on_start is not None:
            on_start(process.pid)
        previous_term = signal.getsignal(signal.SIGTERM)
        if previous_term in (signal.SIG_DFL, None):
            # Turn SIGTERM into KeyboardInterrupt so the group is stopped and the state marked.
            signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.decode("utf-8", errors="replace")
                log.write(line)
                log.flush()
                tail.append(line)
                if echo:
                    sys.stdout.write(line)
                    sys.stdout.flush()
            process.wait()
        except BaseException:
            stop_process_group(process)
            raise
        finally:
            if previous_term in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if process.returncode != 0:
        raise CommandFailed(argv, process.returncode, list(tail), log_path)
