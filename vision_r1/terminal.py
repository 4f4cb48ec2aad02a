"""What `vision-r1 run` shows: per stage a header, one live progress line and a one-line result.

Everything a stage's processes print (verl, Ray, torchrun, vLLM) goes to the stage's `log.txt`; the
terminal gets only what a person needs to see where the run stands. The live line is read from the
files the stage writes (`stages.progress`) about once a second. On a terminal it is redrawn in place
and disappears when the stage ends; when the output is a pipe or a file, a line is printed only when
the stage moves on (a new phase, or at most one count update per `PLAIN_INTERVAL_S`), so a log of
the run stays short. With `--verbose` the stages' own output is streamed instead, as it comes.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from stages.progress import Progress

POLL_S = 1.0
PLAIN_INTERVAL_S = 30.0
FAILURE_TAIL_LINES = 40


def format_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class RateTracker:
    """Seconds per unit and the ETA from the moments the count was seen to change."""

    def __init__(self) -> None:
        self._first: tuple[float, int] | None = None
        self._last: tuple[float, int] | None = None

    def observe(self, done: int, now: float) -> None:
        if self._last is None or done < self._last[1]:
            self._first = self._last = (now, done)
        elif done > self._last[1]:
            self._last = (now, done)

    def seconds_per_unit(self) -> float | None:
        if self._first is None or self._last is None or self._last[1] == self._first[1]:
            return None
        return (self._last[0] - self._first[0]) / (self._last[1] - self._first[1])


def progress_line(progress: Progress, rate: float | None) -> str:
    """`step 1/2 · reward 0.125 · resp len 31 · 12.0 s/step · ETA 12 s` (or the phase)."""
    if progress.phase is not None:
        parts = [progress.phase]
    elif progress.done is None:
        return ""
    else:
        count = f"{progress.done}/{progress.total}" if progress.total else str(progress.done)
        parts = [f"{progress.unit} {count}", *progress.details]
        if rate is not None:
            parts.append(f"{rate:.1f} s/{progress.unit}")
            if progress.total and progress.total >= progress.done:
                parts.append(f"ETA {format_seconds(rate * (progress.total - progress.done))}")
    return " · ".join(parts)


def _shown_path(path: str) -> str:
    """Relative to the working directory when inside it (`runs/tiny/sft/model`), else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


class RunTerminal:
    """The run's terminal output; `verbose` leaves the live line out (the stages' output streams)."""

    def __init__(self, console: Console, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose

    def header(self, name: str, kind: str, position: int, count: int, attempt: int) -> None:
        again = f", attempt {attempt}" if attempt > 1 else ""
        self.console.rule(f"[bold]{escape(name)}[/] ({kind}{again}) · stage {position}/{count}", align="left")

    def skipped(self, name: str) -> None:
        self.console.print(f"[dim]skip {escape(name)}: done[/]")

    def note(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def result(self, name: str, seconds: float, summary: str, output: str | None) -> None:
        where = f" -> {_shown_path(output)}" if output else ""
        self.console.print(
            f"[green]done[/] {escape(name)} in {format_seconds(seconds)}: {escape(summary)}{escape(where)}",
            highlight=False,
            soft_wrap=True,
        )

    def failure(self, name: str, seconds: float, log_path: Path) -> None:
        """The last lines of the stage's log and where the whole log is (the error itself follows)."""
        self.console.print(
            f"[red]failed[/] {escape(name)} after {format_seconds(seconds)}", highlight=False, soft_wrap=True
        )
        try:
            lines = log_path.read_text(errors="replace").splitlines()[-FAILURE_TAIL_LINES:]
        except FileNotFoundError:
            lines = []
        if lines:
            self.console.rule(f"last {len(lines)} lines of {log_path}", align="left", style="dim")
            self.console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
            self.console.rule(style="dim")
        self.console.print(f"full log: {log_path}", markup=False, highlight=False, soft_wrap=True)

    @contextlib.contextmanager
    def live(self, read_progress: Callable[[], Progress | None]) -> Iterator[None]:
        """Show the stage's progress while the block runs (nothing with --verbose)."""
        if self.verbose:
            yield
            return
        poller = Poller(read_progress, self.console, time.monotonic())
        if self.console.is_terminal:
            live = Live(console=self.console, transient=True, auto_refresh=False)
            with live, poller.running(lambda text, _progress, _now: live.update(Text(text), refresh=True)):
                yield
        else:
            with poller.running(poller.print_when_moved):
                yield


class Poller:
    """Reads the stage's progress about once a second and hands the line to a renderer."""

    def __init__(self, read_progress: Callable[[], Progress | None], console: Console, now: float) -> None:
        self.read_progress = read_progress
        self.console = console
        self.started = now
        self.rate = RateTracker()
        self._last_printed: tuple[str | None, int | None] | None = None
        self._last_printed_at = 0.0

    def line(self, now: float) -> tuple[str, Progress | None]:
        try:
            progress = self.read_progress()
        except (OSError, ValueError):
            progress = None  # a file caught mid-write; the next poll reads it whole
        text = ""
        if progress is not None:
            if progress.done is not None:
                self.rate.observe(progress.done, now)
            rate = progress.seconds_per_unit or self.rate.seconds_per_unit()
            text = progress_line(progress, rate)
        elapsed = format_seconds(now - self.started)
        return (f"  {text} · {elapsed}" if text else f"  running · {elapsed}"), progress

    def print_when_moved(self, text: str, progress: Progress | None, now: float) -> None:
        """Plain output: a line when the phase changes, or the count after PLAIN_INTERVAL_S."""
        if progress is None:
            return
        key = (progress.phase, progress.done)
        phase_changed = self._last_printed is None or key[0] != self._last_printed[0]
        count_moved = self._last_printed is not None and key != self._last_printed
        if phase_changed or (count_moved and now - self._last_printed_at >= PLAIN_INTERVAL_S):
            self._last_printed, self._last_printed_at = key, now
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    @contextlib.contextmanager
    def running(self, render: Callable[[str, Progress | None, float], None]) -> Iterator[None]:
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                now = time.monotonic()
                render(*self.line(now), now)
                stop.wait(POLL_S)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
