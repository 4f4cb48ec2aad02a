"""Run every check on every planned stage: what a GPU would reveal, found on any machine in seconds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from stages.base import StagePlan
from vision_r1.preflight.batches import check_batches
from vision_r1.preflight.budgets import check_budgets
from vision_r1.preflight.datasets import check_host_memory, check_system_prompt, check_validation
from vision_r1.preflight.disk import StageDisk, check_disk, check_run_disk
from vision_r1.preflight.environment import Environment
from vision_r1.preflight.findings import PreflightReport, StageReport
from vision_r1.preflight.lineage import producers, resolve_shape
from vision_r1.preflight.memory import check_memory
from vision_r1.preflight.packages import check_packages
from vision_r1.preflight.parallel import check_parallel
from vision_r1.preflight.settings import GrpoSettings, SftSettings, grpo_settings, sft_settings
from vision_r1.preflight.view import GIB, StageView
from vision_r1.recipe.schema import Recipe, StageBase
from vision_r1.verl_config import PPO_CONFIG, compose


def verl_settings(plan: StagePlan, stage: StageBase) -> GrpoSettings | SftSettings | None:
    """The numbers of the verl config the stage will launch with (None for stages without verl).

    An SFT launch reads a copy of the recipe's set that the stage writes when it starts (its images
    as files, stages/sft.py); the copy has the same rows, so the checks read the recipe's file."""
    name = plan.config.get("verl_config")
    if name is None:
        return None
    config = compose(name, plan.config["overrides"])
    if name == PPO_CONFIG:
        return grpo_settings(config)
    return replace(sft_settings(config), train_files=str(stage.dataset))


def run_preflight(
    recipe: Recipe,
    stages: list[StageBase],
    plans: dict[str, StagePlan],
    run_dir: Path,
    environment: Environment | None = None,
) -> PreflightReport:
    environment = environment or Environment.detect()
    made_by = producers(recipe, run_dir)
    views, reports, disks = [], [], {}
    for stage in stages:
        view = StageView(
            recipe=recipe,
            stage=stage,
            resources=recipe.resources_for(stage),
            stage_dir=run_dir / stage.name,
            shape=resolve_shape(getattr(stage, "model", None), made_by),
            settings=verl_settings(plans[stage.name], stage),
            environment=environment,
        )
        report, disk = _check_stage(view, made_by)
        views.append(view)
        reports.append(report)
        if disk is not None:
            disks[stage.name] = disk
    return PreflightReport(stages=reports, run_findings=check_run_disk(views, disks))


def _check_stage(view: StageView, made_by: dict[str, StageBase]) -> tuple[StageReport, StageDisk | None]:
    memory, peak = check_memory(view)
    disk_findings, disk = check_disk(view)
    findings = [
        *check_parallel(view),
        *check_budgets(view),
        *check_batches(view),
        *memory,
        *disk_findings,
        *check_packages(view),
        *check_validation(view),
        *check_system_prompt(view, made_by),
        *check_host_memory(view),
    ]
    report = StageReport(
        stage=view.stage.name,
        kind=view.stage.kind,
        findings=findings,
        gpu_memory_gib=None if peak is None else peak / GIB,
        disk_gib=None if disk is None else disk.peak / GIB,
    )
    return report, disk
