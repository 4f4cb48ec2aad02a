"""Batch divisibility and step counts that verl only finds out at run time (or never reports).

- GRPO (workers/engine_workers.py train_mini_batch): `ppo_mini_batch_size x rollout.n` responses are
  split evenly over the data-parallel ranks (GPUs / Ulysses SP);
- SFT (trainer/sft_trainer.py): each rank takes `train_batch_size // dp` rows, silently dropping the
  remainder of the global batch;
- both loops also stop after `trainer.total_epochs` epochs (trainer_base.fit, sft_trainer.fit), so a
  step count the epochs cannot reach ends the run early and the runner then finds no final checkpoint.
"""

from __future__ import annotations

from pathlib import Path

from vision_r1.preflight.findings import Finding, error, ok, skipped
from vision_r1.preflight.settings import GrpoSettings, SftSettings
from vision_r1.preflight.view import StageView

CHECK = "batches"
STEPS = "steps"


def parquet_rows(path: str) -> int | None:
    """Rows of a parquet file from its footer (no data read), or None when it does not exist yet."""
    file = Path(path)
    if not file.is_file():
        return None
    import pyarrow.parquet as pq

    return pq.ParquetFile(file).metadata.num_rows


def check_batches(view: StageView) -> list[Finding]:
    settings = view.settings
    if isinstance(settings, GrpoSettings):
        return _grpo(view, settings) + _grpo_steps(view, settings)
    if isinstance(settings, SftSettings):
        return _sft(settings) + _sft_steps(view, settings)
    return []


def _grpo(view: StageView, settings: GrpoSettings) -> list[Finding]:
    dp = max(1, settings.world // settings.sequence_parallel)
    responses = settings.mini_batch * settings.group
    if responses % dp:
        return [
            error(
                CHECK,
                f"a mini-batch of {settings.mini_batch} prompts x {settings.group} responses = {responses} does not "
                f"split over {dp} data-parallel ranks (verl asserts on it in the first update)",
                f"make stages.{view.stage.name}.mini_batch_size x rollout_n a multiple of {dp}",
            )
        ]
    per_rank = responses // dp
    if not settings.dynamic_batch and settings.micro_batch and per_rank % settings.micro_batch:
        return [
            error(
                CHECK,
                f"{per_rank} responses per rank do not split into micro-batches of {settings.micro_batch}",
                f"set stages.{view.stage.name}.micro_batch_size_per_gpu to a divisor of {per_rank}",
            )
        ]
    return [ok(CHECK, f"{responses} responses per update = {per_rank} on each of {dp} data-parallel ranks")]


def _reachable(
    label: str, steps: int, per_epoch: int | None, epochs: int, rows: int | None, fix: str
) -> Finding:
    if per_epoch is None:
        if epochs >= steps:
            return ok(STEPS, f"{label}: {epochs} epochs reach step {steps} once the set holds one batch")
        return skipped(
            STEPS,
            f"{label}: {steps} steps in at most {epochs} epochs; checked once the dataset exists ({fix})",
        )
    if per_epoch == 0:
        return error(STEPS, f"{label}: {rows} rows do not make one batch, so verl runs no step", fix)
    if per_epoch * epochs < steps:
        return error(
            STEPS,
            f"{label}: {rows} rows make {per_epoch} steps per epoch, so {epochs} epochs end at step "
            f"{per_epoch * epochs}, before step {steps}; the runner then finds no final checkpoint",
            fix,
        )
    return ok(STEPS, f"{label}: {rows} rows, {per_epoch} steps per epoch, {epochs} epochs reach step {steps}")


def _grpo_steps(view: StageView, settings: GrpoSettings) -> list[Finding]:
    rows = parquet_rows(settings.train_files)
    per_epoch = None if rows is None else rows // settings.train_batch
    steps = settings.total_steps or 0
    fix = f"set trainer.total_epochs to at least {steps} (vision-r1 sets it to the step count)"
    # verl first drops prompts over max_prompt_length, so the row count is an upper bound.
    return [_reachable("GRPO", steps, per_epoch, settings.total_epochs, rows, fix)]


def _sft(settings: SftSettings) -> list[Finding]:
    dp = max(1, settings.world // settings.sequence_parallel)
    if settings.global_batch % dp:
        return [
            error(
                CHECK,
                f"global batch {settings.global_batch} does not split over {dp} data-parallel ranks: verl trains "
                f"{settings.global_batch // dp * dp} rows per step instead",
                f"make global_batch_size a multiple of {dp}",
            )
        ]
    return [
        ok(
            CHECK,
            f"global batch {settings.global_batch} = {settings.global_batch // dp} rows on each of {dp} ranks",
        )
    ]


def _sft_steps(view: StageView, settings: SftSettings) -> list[Finding]:
    rows = parquet_rows(settings.train_files)
    per_epoch = None if rows is None else _sft_steps_per_epoch(settings, rows)
    steps = settings.total_steps
    if steps is None:  # verl derives the steps from the epochs: only an empty epoch can go wrong
        if per_epoch is None:
            return []
        steps = max(1, per_epoch * settings.total_epochs)
    fix = f"raise stages.{view.stage.name}.epochs or lower its steps"
    return [_reachable("SFT", steps, per_epoch, settings.total_epochs, rows, fix)]


def _sft_steps_per_epoch(settings: SftSettings, rows: int) -> int:
    dp = max(1, settings.world // settings.sequence_parallel)
    return rows // dp // max(1, settings.global_batch // dp)


def sft_steps(view: StageView, settings: SftSettings) -> int | None:
    """The SFT stage's step count: its own, else derived from the rows once the dataset exists."""
    if settings.total_steps is not None:
        return settings.total_steps
    rows = parquet_rows(settings.train_files)
    return None if rows is None else _sft_steps_per_epoch(settings, rows) * settings.total_epochs
