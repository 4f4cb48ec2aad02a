"""Run a stage's command as a child process: output streamed to the console and appended to a log.

The child gets its own process group so that an interrupt (Ctrl-C, SIGTERM, a test's timeout) stops
it and everything in its group by group id, never by name. Processes that leave the group (Ray
workers, vLLM's engine core) carry the stage's environment marker and are stopped by it
(`vision_r1.orphans`), when the command ends, when it is interrupted, and, through a watcher
process, when the runner itself is SIGKILLed; the kernel also SIGKILLs the direct child then
(PR_SET_PDEATHSIG).

A command that prints nothing for `stall_timeout_s` is presumed hung (the known failure of a
broken weight sync is a silent wait, not a crash): it is stopped and reported with its log tail.
Progress is counted in bytes, not lines, so `\\r` progress bars keep a command alive; but a line that
only repeats the one before it, timestamps aside, is not progress: verl's agent loop prints its
`pending: 0, running: 1, ...` status every minute while a request waits forever on an actor of a
node that died (seen in CI), and that heartbeat must not keep a hung stage alive.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from vision_r1.orphans import MARKER_ENV, stop_marked, watch_for_orphans

LOG_TAIL_LINES = 40
# A stage log shows `=== <ISO time> $ <command line>` before each command's output.
COMMAND_MARK, COMMAND_SEPARATOR = "=== ", " $ "
_GRACE_SECONDS = 20.0
_PR_SET_PDEATHSIG = 1


def logged_commands(log_text: str) -> list[tuple[datetime, str]]:
    """(start time, command line) of every command a stage log records, in order."""
    found = []
    for line in log_text.splitlines():
        stamp, separator, command = line.removeprefix(COMMAND_MARK).partition(COMMAND_SEPARATOR)
        if line.startswith(COMMAND_MARK) and separator:
            with contextlib.suppress(ValueError):  # a command's own output that looks alike
                found.append((datetime.fromisoformat(stamp), command))
    return found


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL it when the runner process dies."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class CommandFailed(RuntimeError):
    """A command exited non-zero; carries the last lines of its output for the error message."""

    def __init__(self, argv: Sequence[str], returncode: int, tail: list[str], log_path: Path) -> None:
        self.returncode = returncode
        self.tail = tail
        self.log_path = log_path
        self.headline = self._headline(argv)
        super().__init__(self.headline + "\n" + self._shown_tail())

    def _headline(self, argv: Sequence[str]) -> str:
        return f"command exited with code {self.returncode}: {' '.join(argv[:4])} ..."

    def _shown_tail(self) -> str:
        shown = "".join(self.tail).rstrip()
        return f"--- last {len(self.tail)} lines of {self.log_path} ---\n{shown}"


class CommandStalled(CommandFailed):
    """A command printed nothing for too long and was stopped (presumed hung)."""

    def __init__(self, argv: Sequence[str], stalled_s: float, tail: list[str], log_path: Path) -> None:
        self.stalled_s = stalled_s
        super().__init__(argv, -signal.SIGTERM, tail, log_path)

    def _headline(self, argv: Sequence[str]) -> str:
        return (
            f"no progress for {self.stalled_s:.0f} s (no output at all) from {' '.join(argv[:4])} ...: "
            "presumed hung and stopped; raise resources.stall_timeout_s if this step is legitimately "
            "silent for that long"
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


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?")


class _StallWatchdog:
    """Stops the child's group once it has printed nothing new for `timeout_s` seconds."""

    def __init__(self, process: subprocess.Popen[bytes], timeout_s: float | None) -> None:
        self.process = process
        self.timeout_s = timeout_s
        self.last_output = time.monotonic()
        self.last_segment = ""
        self.fired = False
        if timeout_s is not None:
            threading.Thread(target=self._watch, daemon=True).start()

    def saw(self, text: str) -> None:
        """Output arrived: progress unless every line or `\\r` segment of it repeats the last one."""
        if self.timeout_s is None:
            return  # no watch, nothing to judge
        segments = [_TIMESTAMP.sub("", segment) for segment in re.split(r"[\r\n]", text) if segment]
        if any(segment != self.last_segment for segment in segments):
            self.last_output = time.monotonic()
        if segments:
            self.last_segment = segments[-1]

    def _watch(self) -> None:
        assert self.timeout_s is not None
        while self.process.poll() is None:
            if time.monotonic() - self.last_output > self.timeout_s:
                self.fired = True
                stop_process_group(self.process)
                return
            time.sleep(min(1.0, self.timeout_s / 10))


class _LogTail:
    """The last lines of a byte stream that arrives in arbitrary chunks."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        self._partial = ""

    def feed(self, text: str) -> None:
        *complete, self._partial = (self._partial + text).split("\n")
        self.lines.extend(line + "\n" for line in complete)

    def all(self) -> list[str]:
        return [*self.lines, self._partial] if self._partial else list(self.lines)


def run_logged(
    argv: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    echo: bool = True,
    marker: str = "",
    on_start: Callable[[int], None] | None = None,
    stall_timeout_s: float | None = None,
) -> None:
    """Run `argv`, tee its combined output into `log_path` (appending), raise CommandFailed on failure.

    `marker` tags the child's environment so that every process of this launch can be found and
    stopped (see `vision_r1.orphans`; a unique one is made when none is given); `on_start(pgid)` is
    called once the child exists; `stall_timeout_s` (None: no limit) stops a silent child.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    marker = marker or f"launch-{os.getpid()}-{uuid.uuid4().hex}"
    full_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1", MARKER_ENV: marker}
    tail = _LogTail()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    with log_path.open("a", encoding="utf-8") as log, watch_for_orphans(marker):
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        log.write(f"\n{COMMAND_MARK}{stamp}{COMMAND_SEPARATOR}{' '.join(argv)}\n")
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
        watchdog = _StallWatchdog(process, stall_timeout_s)
        previous_term = signal.getsignal(signal.SIGTERM)
        if previous_term in (signal.SIG_DFL, None):
            # Turn SIGTERM into KeyboardInterrupt so the group is stopped and the state marked.
            signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            assert process.stdout is not None
            for chunk in iter(lambda: process.stdout.read1(65536), b""):
                text = decoder.decode(chunk)
                watchdog.saw(text)
                log.write(text)
                log.flush()
                tail.feed(text)
                if echo:
                    sys.stdout.write(text)
                    sys.stdout.flush()
            process.wait()
        except BaseException:
            stop_process_group(process)
            stop_marked(marker)
            raise
        finally:
            if previous_term in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if watchdog.fired:
        raise CommandStalled(argv, stall_timeout_s or 0.0, tail.all(), log_path)
    if process.returncode != 0:
        raise CommandFailed(argv, process.returncode, tail.all(), log_path)
