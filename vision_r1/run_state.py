"""`runs/<name>/state.json`: what every stage of a run has done, written atomically.

A crash or `kill -9` at any moment leaves either the old or the new state file, never a torn one,
so `vision-r1 run` can always decide what to skip, what to resume and what to redo.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Status = Literal["pending", "running", "done", "failed", "interrupted"]
STATE_FILE = "state.json"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def atomic_write_json(path: Path, payload: Any) -> None:
    """Write to a temp file in the same folder, fsync it, rename over the target, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@dataclass
class StageRecord:
    kind: str
    status: Status = "pending"
    fingerprint: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int = 0
    error: str | None = None
    pgid: int | None = None


class RunState:
    """The state of one run directory; every mutation is persisted immediately."""

    def __init__(
        self, run_dir: Path, recipe: dict[str, Any], stages: dict[str, StageRecord], order: list[str]
    ):
        self.run_dir = run_dir
        self.recipe = recipe
        self.stages = stages
        self.order = order

    @property
    def path(self) -> Path:
        return self.run_dir / STATE_FILE

    @classmethod
    def load(cls, run_dir: Path) -> RunState:
        path = run_dir / STATE_FILE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{path}: no run state here (has `vision-r1 run` been started?)"
            ) from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: state file is not valid JSON: {exc}") from None
        stages = {name: StageRecord(**record) for name, record in data.get("stages", {}).items()}
        return cls(run_dir, data.get("recipe", {}), stages, data.get("order", list(stages)))

    @classmethod
    def open(cls, run_dir: Path, recipe: dict[str, Any], kinds: dict[str, str]) -> RunState:
        """Load the run's state (or start one) and align it with the recipe's current stage list."""
        state = cls.load(run_dir) if (run_dir / STATE_FILE).exists() else cls(run_dir, recipe, {}, [])
        state.recipe = recipe
        state.order = list(kinds)
        for name, kind in kinds.items():
            record = state.stages.get(name)
            if record is None or record.kind != kind:
                state.stages[name] = StageRecord(kind=kind)
        state.save()
        return state

    def save(self) -> None:
        payload = {
            "recipe": self.recipe,
            "order": self.order,
            "stages": {name: asdict(record) for name, record in self.stages.items()},
        }
        atomic_write_json(self.path, payload)

    def start(self, name: str, fingerprint: str, config: dict[str, Any]) -> None:
        record = self.stages[name]
        record.status = "running"
        record.fingerprint = fingerprint
        record.config = config
        record.started_at = now()
        record.finished_at = None
        record.error = None
        record.attempts += 1
        self.save()

    def launched(self, name: str, pgid: int) -> None:
        """Remember the process group of the stage's current child, for clean-up after a hard kill."""
        self.stages[name].pgid = pgid
        self.save()

    def finish(self, name: str, outputs: dict[str, str]) -> None:
        record = self.stages[name]
        record.status = "done"
        record.outputs = outputs
        record.finished_at = now()
        self.save()

    def fail(self, name: str, status: Status, error: str) -> None:
        record = self.stages[name]
        record.status = status
        record.error = error
        record.finished_at = now()
        self.save()

    def reset(self, name: str) -> None:
        self.stages[name] = StageRecord(kind=self.stages[name].kind)
        self.save()
