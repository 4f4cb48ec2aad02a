"""Find and stop every process of a launch by its environment marker, also after the launcher died.

A launch's processes do not all stay in its process group: Ray starts its workers in process
groups of their own, and vLLM's engine core and workers live under those. A marker variable set
in the launch's environment (`VISION_R1_JOB=<unique value>`) is inherited by all of them,
whatever their group or session, so it is what identifies them; reading `/proc/PID/environ`
also makes the check safe against PID reuse.

When the launcher itself is SIGKILLed nothing in it can run any more, so `watch_for_orphans`
starts a small watcher process (`python -m vision_r1.orphans MARKER`) whose stdin is a pipe from
the launcher: the kernel closes the pipe when the launcher dies, however it dies, and the watcher
then stops every process that still carries the marker. A launcher that ends normally closes the
pipe itself after stopping its leftovers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

MARKER_ENV = "VISION_R1_JOB"
_GRACE_SECONDS = 5.0
_SWEEP_SECONDS = 0.2
_SIGKILL_SWEEPS = 25  # a process that survives 5 s of SIGKILL is stuck in the kernel; give up on it


def marked_processes(marker: str) -> list[int]:
    """PIDs of live processes whose environment carries `VISION_R1_JOB=marker` (never this one).

    A process inside execve reads as unmarked for a moment: the kernel publishes its new
    environment only late in the call, after the parent's `Popen` has returned. Callers that must
    see a process they just started poll; `stop_marked` sweeps again for the same reason."""
    needle = f"{MARKER_ENV}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def stop_marked(marker: str, grace_s: float = _GRACE_SECONDS) -> int:
    """SIGTERM every process carrying `marker`, SIGKILL what is left after `grace_s`; returns how many
    processes it signalled.

    The SIGKILL round repeats until a scan a moment later finds nothing, so that a process one of
    them was starting (unmarked while inside execve) is not left behind; such a process counts too,
    so the figure is what was stopped, not what the first scan saw."""
    stopped = set(marked_processes(marker))
    if not stopped:
        return 0
    if grace_s > 0:
        stopped |= _signal_marked(marker, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and marked_processes(marker):
            time.sleep(_SWEEP_SECONDS)
    for _ in range(_SIGKILL_SWEEPS):
        stopped |= _signal_marked(marker, signal.SIGKILL)
        time.sleep(_SWEEP_SECONDS)
        if not marked_processes(marker):
            break
    return len(stopped)


def _signal_marked(marker: str, sig: signal.Signals) -> set[int]:
    signalled = set()
    for pid in marked_processes(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
            signalled.add(pid)
    return signalled


@contextlib.contextmanager
def watch_for_orphans(marker: str) -> Iterator[None]:
    """While the block runs, a watcher stands ready to stop `marker`'s processes if this one dies;
    when the block ends, whatever still carries the marker is stopped here."""
    env = {key: value for key, value in os.environ.items() if key != MARKER_ENV}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "vision_r1.orphans", marker],
        stdin=subprocess.PIPE,
        env=env,
        start_new_session=True,  # a Ctrl-C or group kill aimed at the launch must not reach it
    )
    try:
        yield
    finally:
        stop_marked(marker)
        assert watcher.stdin is not None
        watcher.stdin.close()
        watcher.wait()


def _watch(marker: str) -> None:
    """The watcher's life: wait for the launcher's end of the pipe to close, then clean up."""
    with contextlib.suppress(OSError):
        sys.stdin.buffer.read()
    stop_marked(marker)


if __name__ == "__main__":
    _watch(sys.argv[1])
