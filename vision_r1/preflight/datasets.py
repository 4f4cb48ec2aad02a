"""Checks on what a stage reads: its validation set, the prompt its model was trained with, host memory.

- verl builds a validation set at every start, length-filtering every row through the processor,
  even with validation off (trainer_base._init_dataloader); without a held-out file that is the
  whole training set.
- A model trained with a system prompt (Vision-R1-Zero's R1 prompt) must be evaluated with it.
- Every SFT rank holds the whole parquet it trains on (MultiTurnSFTDataset reads it with pandas), so
  a node holds `ranks x` that. The stage trains on a copy whose images are files (stages/sft.py), so
  a rank holds the set's other columns; while verl converts them, for a moment
  `PEAK_PER_FILE_BYTE` times their uncompressed size (`benchmarks/sft_host_memory.py`: 1,000-4,000
  rows, 150 KB images, 8,000-character answers; it settles at 4.66x once loaded).
"""

from __future__ import annotations

from pathlib import Path

from vision_r1.preflight.batches import parquet_rows
from vision_r1.preflight.findings import Finding, error, ok, skipped, warning
from vision_r1.preflight.lineage import training_stage
from vision_r1.preflight.settings import GrpoSettings, SftSettings
from vision_r1.preflight.view import StageView, gib
from vision_r1.recipe.schema import StageBase

VALIDATION = "validation set"
PROMPT = "system prompt"
HOST = "host memory"
PEAK_PER_FILE_BYTE = 19.9  # benchmarks/sft_host_memory.py: peak bytes per uncompressed non-image byte
HOST_USABLE_FRACTION = 0.8  # the rest stays with Ray, dataloader workers and the page cache


def check_validation(view: StageView) -> list[Finding]:
    settings = view.settings
    if not isinstance(settings, GrpoSettings):
        return []
    name = view.stage.name
    fix = f"set stages.{name}.val_dataset to a small held-out file (README: Recipes)"
    if settings.val_files != settings.train_files:
        rows = parquet_rows(settings.val_files)
        return [
            ok(VALIDATION, f"held-out {settings.val_files}" + (f" ({rows} rows)" if rows is not None else ""))
        ]
    if settings.test_freq > 0:
        return [
            error(VALIDATION, f"validation every {settings.test_freq} steps would score training rows", fix)
        ]
    if settings.val_max_samples > 0:
        return [
            warning(
                VALIDATION,
                f"no held-out file: verl's validation set is the first {settings.val_max_samples} training rows "
                "(validation is off, so they only cost a few seconds at start)",
                fix,
            )
        ]
    rows = parquet_rows(settings.train_files)
    count = f"all {rows}" if rows is not None else "all the"
    return [
        error(
            VALIDATION,
            f"verl builds its validation set from {count} training rows at every start, running each image "
            "through the processor to filter long prompts, although validation is off",
            fix,
        )
    ]


def _first_system_prompt(dataset: str) -> tuple[bool, str | None]:
    """(readable, the first row's system turn or None) of an RL (`prompt`) or SFT (`messages`) parquet."""
    if not Path(dataset).is_file():
        return False, None
    import pyarrow.parquet as pq

    file = pq.ParquetFile(dataset)
    column = "prompt" if "prompt" in file.schema_arrow.names else "messages"
    if column not in file.schema_arrow.names or file.metadata.num_rows == 0:
        return False, None
    messages = file.read_row_group(0, columns=[column]).slice(0, 1).to_pylist()[0][column]
    first = messages[0] if messages else {}
    return True, first.get("content") if first.get("role") == "system" else None


def check_system_prompt(view: StageView, made_by: dict[str, StageBase]) -> list[Finding]:
    if view.stage.kind != "eval":
        return []
    from stages.evaluate import training_system_prompt

    trainer = training_stage(view.stage.model, made_by)
    if trainer is None:
        return []
    readable, trained = _first_system_prompt(trainer.dataset)
    if not readable:
        return [skipped(PROMPT, f"checked once {trainer.dataset} (stage {trainer.name}'s data) exists")]
    evaluated = training_system_prompt(view.stage)
    if trained == evaluated:
        said = "no system prompt" if trained is None else "the same system prompt"
        return [ok(PROMPT, f"{said} as stage {trainer.name} trained with")]
    if trained is None:
        return [
            warning(
                PROMPT,
                f"evaluates with a system prompt that stage {trainer.name}'s data does not have",
                f"remove stages.{view.stage.name}.prompt_template",
            )
        ]
    return [
        error(
            PROMPT,
            f"stage {trainer.name} trained with the system prompt {trained[:60]!r}..., but this evaluation "
            f"{'passes none' if evaluated is None else 'passes another'}",
            f"set stages.{view.stage.name}.prompt_template to the template that built {trainer.dataset} (e.g. zero)",
        )
    ]


def in_memory_bytes(dataset: str, images: bool = False) -> int | None:
    """The parquet's uncompressed size from its footer (without the `images` column unless `images`),
    or None when it does not exist yet. Identical values repeated within a row group may be stored
    once (dictionary encoding) while pandas holds every copy, so a set of repeated answers is
    undercounted."""
    if not Path(dataset).is_file():
        return None
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(dataset).metadata
    return sum(
        chunk.total_uncompressed_size
        for group in (metadata.row_group(index) for index in range(metadata.num_row_groups))
        for chunk in (group.column(column) for column in range(group.num_columns))
        if images or chunk.path_in_schema.split(".")[0] != "images"
    )


def check_host_memory(view: StageView) -> list[Finding]:
    settings = view.settings
    if not isinstance(settings, SftSettings):
        return []
    size = in_memory_bytes(settings.train_files)
    if size is None:
        return [
            skipped(
                HOST,
                f"estimated once {settings.train_files} exists (vision-r1 run ... --dry-run --from "
                f"{view.stage.name})",
            )
        ]
    ranks = view.resources.gpus_per_node if view.on_gpu else view.resources.cpus_per_node
    per_rank = PEAK_PER_FILE_BYTE * size
    node = ranks * per_rank
    text = (
        f"{ranks} ranks x {gib(per_rank)} while loading ({PEAK_PER_FILE_BYTE}x the set's {gib(size)} "
        f"uncompressed without images, which are read from files) = {gib(node)} per node"
    )
    limit = view.resources.host_memory_gb
    if limit is None:
        return [ok(HOST, f"{text}; set resources.host_memory_gb to have it checked")]
    if node > HOST_USABLE_FRACTION * limit * (1 << 30):
        return [
            error(
                HOST,
                f"{text}, more than 80% of host_memory_gb {limit:g}",
                "use nodes with more memory or fewer ranks per node, or shorten the set's conversations "
                "(every rank holds them all)",
            )
        ]
    return [ok(HOST, f"{text} <= 80% of host_memory_gb {limit:g}")]
