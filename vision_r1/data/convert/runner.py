"""Drive one conversion: stream source rows through a converter into the output file.

A bad row is skipped and recorded (file, row, field, reason) in `<output>.rejected.jsonl`, and
counted in the report; with `strict` the first bad row stops the run with that message and the rows
written so far stay in `<output>.partial`. Nothing is dropped without a trace.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vision_r1.data.coldstart_input import COLDSTART_INPUT_SCHEMA, coldstart_input_row
from vision_r1.data.example import Example, RowError, validate_example
from vision_r1.data.parquet_io import StreamingParquetWriter
from vision_r1.data.prompts import TEMPLATES, PromptTemplate
from vision_r1.data.rl_format import RL_SCHEMA, rl_row
from vision_r1.data.sft_format import SFT_SCHEMA

TARGETS = ("rl", "coldstart", "sft")


@dataclass(frozen=True)
class Produced:
    """One source row: where it came from, and how to turn it into an Example (RL) or an SFT row."""

    file: str
    row: int
    make: Callable[[], Example | dict[str, Any]]


class ConversionError(RuntimeError):
    """A strict conversion met a bad row."""


@dataclass
class ConversionReport:
    output: Path
    read: int = 0
    written: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def skipped(self) -> int:
        return sum(self.reasons.values())

    @property
    def rejected_path(self) -> Path:
        return rejected_path(self.output)

    def lines(self) -> list[str]:
        lines = [f"{self.output}: {self.written} rows written, {self.read} read, {self.skipped} skipped"]
        if self.skipped:
            lines.append(f"skipped rows and reasons: {self.rejected_path}")
            lines += [f"  {count:>7}  {reason}" for reason, count in self.reasons.most_common(10)]
        return lines


def rejected_path(output: Path) -> Path:
    return output.with_name(output.name + ".rejected.jsonl")


def _row_builder(
    target: str, template: PromptTemplate
) -> Callable[[Example | dict[str, Any], int], dict[str, Any]]:
    def build(item: Example | dict[str, Any], index: int) -> dict[str, Any]:
        if target == "sft":
            if isinstance(item, Example):
                raise ValueError(
                    "this source holds question/answer rows, not conversations; use --to rl or coldstart"
                )
            return item
        if not isinstance(item, Example):
            raise ValueError("this source holds conversations; it converts to --to sft only")
        validate_example(item)
        return rl_row(item, index, template) if target == "rl" else coldstart_input_row(item)

    return build


def run_conversion(
    produced: Iterable[Produced],
    output: str | Path,
    target: str = "rl",
    template: PromptTemplate = TEMPLATES["vision_r1"],
    strict: bool = False,
    progress: bool = False,
) -> ConversionReport:
    """Convert every produced row into `output` (RL, cold-start input or SFT parquet)."""
    from tqdm import tqdm

    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {TARGETS}")
    out = Path(output)
    schema = {"rl": RL_SCHEMA, "coldstart": COLDSTART_INPUT_SCHEMA, "sft": SFT_SCHEMA}[target]
    build = _row_builder(target, template)
    report = ConversionReport(out)
    rejected_file = report.rejected_path
    rejected_file.unlink(missing_ok=True)
    rejected = None
    try:
        with StreamingParquetWriter(out, schema) as writer:
            for item in tqdm(produced, desc=f"converting to {out.name}", unit="row", disable=not progress):
                report.read += 1
                try:
                    writer.write(build(item.make(), report.written))
                    report.written += 1
                except RowError as error:
                    where = f"{item.file}: row {item.row}: field {error.field!r}: {error.reason}"
                    if strict:
                        raise ConversionError(where) from error
                    rejected = rejected or rejected_file.open("w", encoding="utf-8")
                    record = {
                        "file": item.file,
                        "row": item.row,
                        "field": error.field,
                        "reason": error.reason,
                    }
                    rejected.write(json.dumps(record) + "\n")
                    report.reasons[f"{error.field}: {_reason_kind(error.reason)}"] += 1
    finally:
        if rejected:
            rejected.close()
    return report


def _reason_kind(reason: str) -> str:
    """Group reasons for the summary: blank out the row-specific parts (quoted names, brackets, numbers)."""
    kind = re.sub(r"'[^']*'|\([^)]*\)|\[[^\]]*\]|\d+(\.\d+)?", "_", reason)
    return kind if len(kind) <= 80 else kind[:77] + "..."
