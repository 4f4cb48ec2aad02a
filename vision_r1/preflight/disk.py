"""Checkpoint disk use: what each training stage writes, what verl keeps, and the run's peak against free space.

A verl FSDP checkpoint holds the fp32 weight shards and AdamW's two fp32 moments (12 bytes per
parameter, ~93 GiB for a 7B; `hf_model` in save_contents adds a bf16 copy); the merged hand-off
model is bf16. verl keeps every checkpoint unless `max_(actor_)ckpt_to_keep` is set; with 1 it keeps
the previous one until the new one is written (checkpoint_manager.register_checkpoint), with k > 1 it
first trims to k - 1 (ensure_checkpoint_capacity). A finished stage leaves its last checkpoints and
its model behind while the next stages run. An SFT stage also keeps its set's images as files
(stages/sft.py), about the size of the set's image bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from vision_r1.preflight.batches import sft_steps
from vision_r1.preflight.datasets import in_memory_bytes
from vision_r1.preflight.findings import Finding, error, ok, skipped
from vision_r1.preflight.settings import GrpoSettings, SftSettings, TrainerSettings
from vision_r1.preflight.shapes import ModelShape
from vision_r1.preflight.view import StageView, gib

CHECK = "checkpoint disk"


@dataclass(frozen=True)
class StageDisk:
    peak: float  # bytes while the stage runs (its own files only)
    left: float  # bytes it leaves for the rest of the run


def checkpoint_bytes(shape: ModelShape, settings: TrainerSettings) -> float:
    contents = set(settings.checkpoint_contents)
    per_parameter = (settings.param_bytes if "model" in contents else 0) + (
        8 if "optimizer" in contents else 0
    )
    per_parameter += 2 if "hf_model" in contents else 0
    return shape.parameters * per_parameter


def saves(steps: int, save_freq: int) -> int:
    """verl saves every `save_freq` steps and at the last step (a run of no steps saves nothing)."""
    if steps <= 0:
        return 0
    if save_freq <= 0:
        return 1
    return steps // save_freq + (1 if steps % save_freq else 0)


def _keep_key(settings: TrainerSettings) -> str:
    return (
        "trainer.max_actor_ckpt_to_keep" if isinstance(settings, GrpoSettings) else "trainer.max_ckpt_to_keep"
    )


def check_disk(view: StageView) -> tuple[list[Finding], StageDisk | None]:
    settings = view.settings
    if settings is None or view.shape is None:
        if settings is not None:
            return [skipped(CHECK, f"the shape of {view.model} is unknown, so sizes are not estimated")], None
        return [], None
    size = checkpoint_bytes(view.shape, settings)
    merged = view.shape.parameters * 2
    count = settings.total_steps if isinstance(settings, GrpoSettings) else sft_steps(view, settings)
    freq = int(settings.save_freq) if str(settings.save_freq).lstrip("-").isdigit() else 0
    written = None if count is None else saves(count, freq)
    kept = settings.checkpoints_kept
    if kept is None and (written is None or written > 1):
        how_many = "every one of an unknown number of" if written is None else f"all {written}"
        total = "" if written is None else f" = {gib(written * size)}"
        return [
            error(
                CHECK,
                f"verl keeps {how_many} checkpoints of {gib(size)}{total}; resume needs only the latest",
                f"set {_keep_key(settings)}=1",
            )
        ], None
    at_once = _on_disk_at_once(written, kept)
    remaining = at_once if kept is None else min(at_once, kept)
    images = _image_copy_bytes(settings)
    disk = StageDisk(peak=at_once * size + merged + images, left=remaining * size + merged + images)
    copy = f" + the set's images as files {gib(images)}" if images else ""
    return [
        ok(
            CHECK,
            f"{gib(size)} per checkpoint, at most {at_once} at once, + merged model {gib(merged)}{copy} "
            f"= {gib(disk.peak)}",
        )
    ], disk


def _image_copy_bytes(settings: TrainerSettings) -> int:
    """The image bytes an SFT stage writes out as files (0 when its set does not exist yet)."""
    if not isinstance(settings, SftSettings):
        return 0
    with_images = in_memory_bytes(settings.train_files, images=True)
    return 0 if with_images is None else with_images - (in_memory_bytes(settings.train_files) or 0)


def _on_disk_at_once(written: int | None, kept: int | None) -> int:
    """Checkpoints on disk at the stage's peak; an unknown count (dataset not built yet) is taken as many."""
    if kept is None:
        assert written is not None
        return written
    peak = max(kept, 2)  # with 1 kept, the previous one stays until the new one is complete
    return peak if written is None else min(written, peak)


def check_run_disk(views: list[StageView], disks: dict[str, StageDisk]) -> list[Finding]:
    """The run's peak (earlier stages' leftovers + the running stage's peak) against free space."""
    if not views or not disks:
        return []
    left, peak = 0.0, 0.0
    for view in views:
        disk = disks.get(view.stage.name)
        if disk is not None:
            peak = max(peak, left + disk.peak)
            left += disk.left
    first = views[0]
    run_dir = first.stage_dir.parent
    if any(view.on_gpu for view in views) and not first.environment.gpu_install:
        return [
            skipped(
                CHECK,
                f"the run needs up to {gib(peak)}; free space not compared: "
                f"{first.environment.describe()}, so {run_dir} is not the cluster's",
            )
        ]
    free = first.environment.free_bytes(run_dir)
    if peak > free:
        return [
            error(
                CHECK,
                f"the run needs up to {gib(peak)} in {run_dir}, which has {gib(free)} free",
                "free space, point run_dir at a larger file system, or keep fewer checkpoints",
            )
        ]
    return [ok(CHECK, f"the run needs up to {gib(peak)} in {run_dir}; {gib(free)} free")]
