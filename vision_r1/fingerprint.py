"""Fingerprints: has a stage's config or any of its inputs changed since it finished?

Inputs produced by earlier stages are represented by those stages' fingerprints (cheap, and a
change upstream propagates down the chain); external files by their size and modification time,
which is what a user editing or replacing a dataset changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def path_signature(path: Path) -> list[Any]:
    """Size and mtime of a file, or of every file under a folder (sorted, relative names)."""
    if path.is_file():
        stat = path.stat()
        return [stat.st_size, stat.st_mtime_ns]
    if path.is_dir():
        entries = []
        for item in sorted(path.rglob("*")):
            if item.is_file():
                stat = item.stat()
                entries.append([str(item.relative_to(path)), stat.st_size, stat.st_mtime_ns])
        return entries
    return ["missing"]


def stage_fingerprint(config: dict[str, Any], inputs: dict[str, str], upstream: dict[str, str]) -> str:
    """Hash of the resolved config and each input (an upstream stage's fingerprint or a path signature).

    `upstream` maps an output path of an earlier stage to that stage's fingerprint.
    """
    input_marks = {}
    for key, value in sorted(inputs.items()):
        input_marks[key] = upstream.get(value) or path_signature(Path(value))
    payload = json.dumps({"config": config, "inputs": input_marks}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
