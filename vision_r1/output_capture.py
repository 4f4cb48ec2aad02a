"""Send what the runner process itself prints to a log, while the terminal keeps its own stream.

The runner calls verl and transformers in-process (composing and validating verl's config, checking
a stage's dataset through verl's dataset classes, loading a merged model): they print warnings,
config dumps and progress bars. While a stage runs, and while stages are planned, file descriptors
1 and 2 point at a log file, so all of that lands there, including what native code writes and
what loggers that kept a reference to `sys.stderr` write. The terminal writes to a duplicate of the
original stdout, made before any redirection (`terminal_stream`).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


def terminal_stream() -> TextIO:
    """A stream on this process's stdout as it is now, unaffected by a later `output_to`.

    A stdout with no file descriptor (an in-memory stream a caller put there, such as a CLI test
    runner's) is returned as it is: `output_to` moves descriptors, which never reach it."""
    sys.stdout.flush()
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return sys.stdout
    return os.fdopen(os.dup(descriptor), "w", buffering=1, encoding="utf-8", errors="replace")


@contextlib.contextmanager
def output_to(path: Path) -> Iterator[None]:
    """While the block runs, everything written to stdout or stderr is appended to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with path.open("ab") as target:
            os.dup2(target.fileno(), 1)
            os.dup2(target.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        for descriptor in saved:
            os.close(descriptor)
