"""`vision-r1 data synth`: a deterministic synthetic visual-math set with exact answers.

Row i is drawn from its own RNG seeded by (seed, i), so a row does not depend on how many rows come
before it: the same seed gives the same files, and a larger --n extends a smaller one. Validation
rows continue the sequence after the training rows, so the two never share a row.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from vision_r1.data.coldstart_input import COLDSTART_INPUT_SCHEMA, coldstart_input_row
from vision_r1.data.example import Example, validate_example
from vision_r1.data.images import encode_png
from vision_r1.data.parquet_io import StreamingParquetWriter
from vision_r1.data.prompts import TEMPLATES, PromptTemplate
from vision_r1.data.rl_format import RL_SCHEMA, rl_row, write_rl_parquet
from vision_r1.data.synth.figures import arithmetic, bar_chart, triangle
from vision_r1.data.synth.items import SynthItem
from vision_r1.data.synth.scenes import (
    classification,
    counting,
    detection,
    grounding,
    open_vocabulary,
    referring,
)

TASKS: dict[str, Callable[[random.Random], SynthItem]] = {
    "counting": counting,
    "arithmetic": arithmetic,
    "bar_chart": bar_chart,
    "triangle": triangle,
    "rec": referring,
    "detection": detection,
    "ovd": open_vocabulary,
    "grounding": grounding,
    "classification": classification,
}
# What `--tasks` defaults to: visual math plus a small REC/detection subset. The Visual-RFT / VLM-R1
# task kinds (ovd, grounding, classification) are asked for by name, e.g. by the task recipes' twins.
DEFAULT_TASKS = ("counting", "arithmetic", "bar_chart", "triangle", "rec", "detection")
# Math tasks dominate a mixed set; the box tasks are a small subset for the REC/detection rewards.
TASK_WEIGHTS = {
    "counting": 4, "arithmetic": 4, "bar_chart": 4, "triangle": 4,
    "rec": 1, "detection": 1, "ovd": 1, "grounding": 1, "classification": 1,
}  # fmt: skip
TASK_REWARDS = {
    "rec": "iou", "detection": "detection", "ovd": "map", "grounding": "giou", "classification": "classification",
}  # fmt: skip
BOX_KINDS = frozenset({"rec", "detection", "ovd", "grounding"})
MATH_TASKS = tuple(
    task for task in TASKS if task not in TASK_REWARDS
)  # the only ones in the cold-start table

RL_TRAIN = "rl_train.parquet"
RL_VAL = "rl_val.parquet"
COLDSTART_INPUT = "coldstart_input.parquet"
MANIFEST = "manifest.json"


def synth_example(seed: int, index: int, tasks: list[str], math_reward: str = "hfrrf") -> Example:
    """The row at `index` for `seed`: pick a task, render it, wrap it as a validated Example."""
    rng = random.Random(f"vision-r1-synth:{seed}:{index}")
    task = rng.choices(tasks, weights=[TASK_WEIGHTS[name] for name in tasks])[0]
    item = TASKS[task](rng)
    example = Example(
        id=f"synth-{seed}-{index:07d}",
        data_source=f"synth/{item.task}",
        images=[encode_png(item.image)],
        question=item.question,
        answer=item.answer,
        reward=TASK_REWARDS.get(item.kind, math_reward),
        choices=item.choices,
        coordinate_space="pixel" if item.kind in BOX_KINDS else None,
        image_id=f"synth-{seed}-{index:07d}" if item.kind in BOX_KINDS else None,
        category=item.category,
    )
    return validate_example(example)


def synth_examples(
    seed: int, start: int, count: int, tasks: list[str], math_reward: str
) -> Iterator[Example]:
    for index in range(start, start + count):
        yield synth_example(seed, index, tasks, math_reward)


def write_synth_dataset(
    out_dir: str | Path,
    n: int,
    seed: int = 0,
    val_n: int | None = None,
    tasks: list[str] | None = None,
    math_reward: str = "hfrrf",
    template: PromptTemplate = TEMPLATES["vision_r1"],
) -> dict:
    """Write rl_train / rl_val parquet, the cold-start input table (math rows of the training split)
    and a manifest with per-task counts; returns the manifest."""
    chosen = list(tasks or DEFAULT_TASKS)
    unknown = sorted(set(chosen) - set(TASKS))
    if unknown:
        raise ValueError(f"unknown synth task(s) {unknown}; known: {sorted(TASKS)}")
    out = Path(out_dir)
    val_count = max(1, n // 10) if val_n is None else val_n
    counts: Counter[str] = Counter()
    coldstart = 0
    # One pass renders each training row once and feeds both the RL writer and the cold-start table.
    with (
        StreamingParquetWriter(out / RL_TRAIN, RL_SCHEMA) as rl_writer,
        StreamingParquetWriter(out / COLDSTART_INPUT, COLDSTART_INPUT_SCHEMA) as coldstart_writer,
    ):
        for index, example in enumerate(synth_examples(seed, 0, n, chosen, math_reward)):
            counts[example.data_source] += 1
            rl_writer.write(rl_row(example, index, template))
            if example.reward not in TASK_REWARDS.values():
                coldstart_writer.write(coldstart_input_row(example))
                coldstart += 1
    val = write_rl_parquet(synth_examples(seed, n, val_count, chosen, math_reward), out / RL_VAL, template)
    manifest = {
        "seed": seed,
        "template": template.name,
        "math_reward": math_reward,
        "files": {RL_TRAIN: n, RL_VAL: val, COLDSTART_INPUT: coldstart},
        "train_rows_per_source": dict(sorted(counts.items())),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
