"""Wait for a process to carry its launch marker; kill a launcher the hard way and wait for its
marked processes to be stopped by its watcher."""

from __future__ import annotations

import signal
import subprocess
import time

from vision_r1.orphans import marked_processes


def sigkill_and_expect_no_survivors(launcher: subprocess.Popen, marker: str, timeout_s: float = 60.0) -> None:
    """SIGKILL `launcher`, then wait (failing after `timeout_s`) until nothing carries `marker`."""
    launcher.send_signal(signal.SIGKILL)
    launcher.wait(timeout=30)
    deadline = time.monotonic() + timeout_s
    while marked_processes(marker):
        assert time.monotonic() < deadline, f"left behind: {marked_processes(marker)}"
        time.sleep(0.1)


def wait_until_marked(pid: int, marker: str, timeout_s: float = 10.0) -> None:
    """Wait until `pid` shows `marker` in its environment. A just-started process can read as
    unmarked for a moment: the kernel publishes the new environment only late in execve, after
    `Popen` has already returned (its close-on-exec pipe closes earlier), so a loaded CI machine
    can catch it in between."""
    deadline = time.monotonic() + timeout_s
    while pid not in marked_processes(marker):
        assert time.monotonic() < deadline, f"process {pid} never showed marker {marker!r}"
        time.sleep(0.05)
