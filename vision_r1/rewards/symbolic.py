"""Symbolic equivalence (math-verify, then mathruler) under a hard per-call time limit.

sympy can run for minutes on pathological LaTeX, and verl calls reward functions from executor
threads inside Ray workers, where `signal.alarm` (math-verify's own guard) does not work. So the
judging happens in small child processes (`symbolic_worker.py`) that the caller kills when a call
overruns its limit: a hard limit in any thread, any process, any platform with pipes. Children are
reused across calls, started lazily and warmed up before they take work, and exit on their own
when their parent dies (their stdin closes). A killed child is replaced at once by a background
thread, so its successor's start-up (about half a second of imports) is not paid by the next call.
Verdicts are cached because GRPO samples repeat answers.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIME_LIMIT_S = 3.0
_STARTUP_LIMIT_S = 120.0  # importing sympy on a busy machine; never billed to a call
_WORKER_SCRIPT = str(Path(__file__).with_name("symbolic_worker.py"))
_MAX_WORKERS = int(os.environ.get("VISION_R1_SYMBOLIC_WORKERS", "2"))


@dataclass(frozen=True)
class SymbolicVerdict:
    equal: bool
    predicted_value: float | None = None  # the prediction as a real number, when it is one
    truth_value: float | None = None  # the ground truth as a real number, when it is one
    timed_out: bool = False


class _Worker:
    """One judge child process and the line-buffered pipe to it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-P", _WORKER_SCRIPT],  # -P: its folder holds a math.py
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._buffer = b""
        if self._read_line(time.monotonic() + _STARTUP_LIMIT_S) != b"ready":
            self.kill()
            raise RuntimeError("the symbolic judge process did not start")

    def _read_line(self, deadline: float) -> bytes | None:
        """One reply line, or None if the deadline passes first."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def ask(self, predicted: str, truth: str, time_limit_s: float) -> dict | None:
        assert self.process.stdin is not None
        request = json.dumps({"predicted": predicted, "truth": truth}).encode() + b"\n"
        try:
            self.process.stdin.write(request)
            self.process.stdin.flush()
        except OSError:
            return None
        line = self._read_line(time.monotonic() + time_limit_s)
        return None if line is None else json.loads(line)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """Closing stdin ends the child's read loop; kill only if it does not leave promptly."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


class _WorkerPool:
    """Up to `max_workers` judges shared by all threads of one process."""

    def __init__(self, max_workers: int) -> None:
        self.owner_pid = os.getpid()
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(max(1, max_workers))
        self._all: set[_Worker] = set()
        self.started = 0  # judges started, inside calls or as spares
        self._lock = threading.Lock()

    def judge(self, predicted: str, truth: str, time_limit_s: float) -> SymbolicVerdict:
        with self._slots:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                try:
                    worker = _Worker()
                except (OSError, RuntimeError) as error:  # no judge: fail closed, loudly
                    warnings.warn(f"symbolic answer judge unavailable: {error}", RuntimeWarning, stacklevel=2)
                    return SymbolicVerdict(equal=False)
                with self._lock:
                    self._all.add(worker)
                    self.started += 1
            reply = worker.ask(predicted, truth, time_limit_s)
            if reply is None:  # overran its limit (or died): it must not serve another call
                worker.kill()
                with self._lock:
                    self._all.discard(worker)
                threading.Thread(target=self._start_spare, name="symbolic-judge-spare", daemon=True).start()
                return SymbolicVerdict(equal=False, timed_out=True)
            self._idle.put(worker)
        return SymbolicVerdict(
            equal=bool(reply["equal"]),
            predicted_value=reply.get("predicted_value"),
            truth_value=reply.get("truth_value"),
        )

    def _start_spare(self) -> None:
        """Start a judge ahead of need, outside any call's time (a failure shows on the next call)."""
        try:
            worker = _Worker()
        except (OSError, RuntimeError):
            return
        with self._lock:
            self._all.add(worker)
            self.started += 1
        self._idle.put(worker)

    def idle_workers(self) -> int:
        """Judges started and waiting for work."""
        return self._idle.qsize()

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.close()


_pool: _WorkerPool | None = None
_pool_lock = threading.Lock()


def _current_pool() -> _WorkerPool:
    """This process's pool; a forked child gets a fresh one instead of sharing its parent's pipes."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.owner_pid != os.getpid():
            _pool = _WorkerPool(_MAX_WORKERS)
        return _pool


def _close_pool() -> None:
    if _pool is not None and _pool.owner_pid == os.getpid():
        _pool.close()


atexit.register(_close_pool)


def idle_judges() -> int:
    """How many judge processes of this process are started and waiting (a spare after a kill counts)."""
    return _current_pool().idle_workers()


def judges_started() -> int:
    """How many judge processes this process has started so far (inside calls and as spares)."""
    return _current_pool().started


@functools.lru_cache(maxsize=65536)
def symbolic_verdict(
    predicted: str, truth: str, time_limit_s: float = DEFAULT_TIME_LIMIT_S
) -> SymbolicVerdict:
    """Whether `predicted` and `truth` are mathematically equivalent, judged within `time_limit_s`.

    A call that overruns its limit is a non-match (`timed_out=True`); the judge is killed and a new
    one starts on the next call.
    """
    return _current_pool().judge(predicted, truth, time_limit_s)
