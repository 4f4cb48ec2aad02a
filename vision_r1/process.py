"""Run a stage's command as a child process: output streamed to the console and appended to a log.

The child gets its own process group so that an interrupt (Ctrl-C, SIGTERM, a test's timeout) stops
it and everything it started (torchrun workers, a local Ray head) by group id, never by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

LOG_TAIL_LINES = 40
_GRACE_SECONDS = 20.0


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
) -> None:
    """Run `argv`, tee its combined output into `log_path` (appending), raise CommandFailed on failure."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
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
        )
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
