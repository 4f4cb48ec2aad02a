"""Benchmark kinds and how to name one: `BenchmarkSpec(kind, path, name)`.

Kinds: `mathvista`, `mathverse`, `mm_math` (the paper's three, read from their public releases),
`rl` (any RL-format parquet), and the dataset-level task kinds `refcoco`, `coco_detection`,
`classification`, `lisa` (RL-format parquet scored as a whole, `vision_r1.evaluation.tasks`).
Each loader documents the file layout it expects.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.mathverse import load_mathverse
from vision_r1.evaluation.benchmarks.mathvista import load_mathvista
from vision_r1.evaluation.benchmarks.mmmath import load_mmmath
from vision_r1.evaluation.benchmarks.rl_parquet import load_rl_parquet
from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.tasks import TASK_KINDS, check_options, prepare_items

LOADERS: dict[str, Callable[[Path], list[EvalItem]]] = {
    "mathvista": load_mathvista,
    "mathverse": load_mathverse,
    "mm_math": load_mmmath,
    "rl": load_rl_parquet,
    **dict.fromkeys(TASK_KINDS, load_rl_parquet),
}
# Column order of the paper's results table; other benchmarks follow the average.
PAPER_BENCHMARKS = {"mathvista": "MathVista", "mathverse": "MathVerse", "mm_math": "MM-Math"}
# Items a benchmark's own headline leaves out: MathVerse's "All" has no Text Only version.
HEADLINE_EXCLUDES: dict[str, dict[str, tuple[str, ...]]] = {"mathverse": {"problem_version": ("Text Only",)}}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BenchmarkSpec:
    """Which benchmark to run and where its files are. `name` is the output folder and table column."""

    kind: str
    path: Path
    name: str = ""
    limit: int | None = None
    options: dict[str, Any] = field(default_factory=dict)  # per-kind settings, e.g. refcoco's subset

    def __post_init__(self) -> None:
        if self.kind not in LOADERS:
            raise ValueError(f"unknown benchmark kind '{self.kind}'; known kinds: {', '.join(LOADERS)}")
        object.__setattr__(self, "path", Path(self.path))
        if not self.name:
            default = self.path.stem if self.kind == "rl" or self.kind in TASK_KINDS else self.kind
            object.__setattr__(self, "name", default)
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"benchmark '{self.name}': limit must be at least 1, got {self.limit}")
        check_options(self.kind, self.options, self.name)

    @classmethod
    def parse(cls, text: str) -> BenchmarkSpec:
        """`[NAME:]KIND=PATH`, the command-line form, e.g. `mathvista=/data/MathVista`."""
        head, sep, path = text.partition("=")
        if not sep or not path:
            raise ValueError(f"benchmark '{text}': expected [NAME:]KIND=PATH")
        name, _, kind = head.rpartition(":")
        return cls(kind=kind.strip(), path=Path(path), name=name.strip())

    @classmethod
    def from_value(cls, value: BenchmarkSpec | dict[str, Any] | str) -> BenchmarkSpec:
        """Accept a spec, a recipe mapping `{kind, path, name?, limit?, options?}` or the command-line form."""
        if isinstance(value, BenchmarkSpec):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        unknown = set(value) - {"kind", "path", "name", "limit", "options"}
        if unknown:
            raise ValueError(f"benchmark {value}: unknown keys {sorted(unknown)}")
        return cls(**value)

    @property
    def title(self) -> str:
        """The column title in the results table."""
        return PAPER_BENCHMARKS.get(self.name, self.name)


def load_benchmark(spec: BenchmarkSpec) -> list[EvalItem]:
    """The items of one benchmark (the first `limit` when set), with unique ids checked; how many
    came from each file is logged, so a file that was not read never goes unnoticed."""
    items = prepare_items(spec.kind, LOADERS[spec.kind](spec.path), spec.options)
    for source, count in file_counts(items, str(spec.path)).items():
        logger.info("benchmark '%s': %d items from %s", spec.name, count, source)
    if spec.limit is not None:
        items = items[: spec.limit]
    seen: set[str] = set()
    for item in items:
        if item.item_id in seen:
            raise ValueError(f"benchmark '{spec.name}' ({spec.path}): duplicate item id '{item.item_id}'")
        seen.add(item.item_id)
    return items


def file_counts(items: list[EvalItem], unnamed: str = "") -> dict[str, int]:
    """Items per source file, in reading order; items that name no file count under `unnamed`."""
    return dict(Counter(item.source or unnamed for item in items))
