"""What every dataset-level task metric needs: the model's box read back in image pixels, the truth
box, and the shape of a task result (headline, named values, breakdown tables)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem
from vision_r1.rewards.boxes import Box, first_box, pixel_scale, scaled, truth_objects
from vision_r1.rewards.tags import answer_block


@dataclass
class TaskResult:
    """`headline` (a fraction) is the number the results table shows, under the name `metric`.

    `values` are further fractions (shown as percentages) or counts (ints); `tables` map a title to
    `{"columns": [...], "rows": {label: [cell, ...]}}`, cells being fractions, counts or None."""

    metric: str
    headline: float
    values: dict[str, float | int] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_summary(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "accuracy": as_percent(self.headline),
            "task": {
                "metric": self.metric,
                "values": {name: as_percent(value) for name, value in self.values.items()},
                "tables": {
                    title: {
                        "columns": table["columns"],
                        "rows": {
                            label: [as_percent(c) for c in cells] for label, cells in table["rows"].items()
                        },
                    }
                    for title, table in self.tables.items()
                },
            },
        }


def as_percent(value: float | int | None) -> float | int | None:
    """Fractions become percentages with two decimals; counts (ints) and None stay as they are."""
    if value is None or isinstance(value, int):
        return value
    return round(100.0 * value, 2)


def answer_box(response: str, extra_info: dict[str, Any]) -> Box | None:
    """The first box inside the last `<answer>` block, moved to image pixels; None without one.

    The box must be inside the answer tags, as in VLM-R1's and Visual-RFT's evaluation scripts."""
    block = answer_block(response)
    box = None if block is None else first_box(block)
    return None if box is None else scaled(box, pixel_scale(extra_info))


def truth_box(item: EvalItem) -> Box:
    return truth_objects(item.answer)[0][0]


def check_single_box(item: EvalItem) -> None:
    """A grounding item needs exactly one truth box and a coordinate space the reward can read."""
    try:
        objects = truth_objects(item.answer)
        pixel_scale(item.extra_info)
    except ValueError as error:
        raise BenchmarkFormatError(f"item {item.item_id}: {error}") from None
    if len(objects) != 1:
        raise BenchmarkFormatError(
            f"item {item.item_id}: field 'reward_model.ground_truth' must hold one box, found {len(objects)}"
        )
