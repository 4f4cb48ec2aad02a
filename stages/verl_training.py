"""The life of a verl training stage: validate, launch (or resume), confirm the last step, merge to HF.

SFT and GRPO differ only in their verl config, launcher and checkpoint layout; the sequence
and its resume rules live here once:
- a re-launch uses verl's `trainer.resume_mode=auto` in the stage's own checkpoint folder;
- training that already reached its final checkpoint (marker file) is not launched again;
- an interrupted merge is redone from the shards.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from stages.base import Command, StageContext, StageError, StagePlan, outputs_in
from stages.progress import Progress, training_progress, training_summary
from stages.verl_launch import (
    CHECKPOINTS,
    MODEL,
    TRAINING_DONE,
    check_device,
    device_env,
    latest_checkpoint,
    launch_env,
    merge_to_hf,
    metrics_file,
    removes_padding,
    route_cli_overrides,
)
from vision_r1.ray_cluster import auth_env
from vision_r1.verl_config import top_level_keys


class VerlTrainingKind(ABC):
    """Base for stage kinds that run a verl trainer and hand off a merged HF model."""

    OUTPUTS: ClassVar[dict[str, str]] = {"model": MODEL, "checkpoints": CHECKPOINTS}
    config_name: str
    is_grpo: ClassVar[bool]  # which metrics tell its progress: reward and length, or loss
    starting: ClassVar[str]  # what the live line says until the first step is logged

    def inputs(self, stage: Any) -> dict[str, str]:
        found = {"model": stage.model, "dataset": stage.dataset}
        if stage.val_dataset:
            found["val_dataset"] = stage.val_dataset
        return found

    # --- what subclasses provide -------------------------------------------------------------
    @abstractmethod
    def stage_overrides(self, ctx: StageContext) -> list[str]:
        """Provided by each verl stage kind."""

    @abstractmethod
    def launcher(self, ctx: StageContext) -> list[str]:
        """Provided by each verl stage kind."""

    @abstractmethod
    def device_overrides(self, ctx: StageContext) -> list[str]:
        """Provided by each verl stage kind."""

    @abstractmethod
    def validate(self, overrides: list[str]) -> None:
        """Provided by each verl stage kind."""

    @abstractmethod
    def shard_dir(self, checkpoint_dir: Path, step: int) -> Path:
        """Provided by each verl stage kind."""

    @abstractmethod
    def check_dataset(self, ctx: StageContext) -> str:
        """Fail before launch when the stage's dataset does not pass the data check; else summarise it."""

    def prepare_data(self, ctx: StageContext) -> list[str]:
        """Write what the launch reads besides the recipe's files (after the data check); lines for the log."""
        return []

    def needs_vllm(self, ctx: StageContext) -> bool:
        """Whether the launch rolls out with vLLM (checked before launching)."""
        return False

    def expected_steps(self, ctx: StageContext) -> int | None:
        return getattr(ctx.stage, "steps", None)

    def run_cluster_size(self, ctx: StageContext) -> int | None:
        """Trainer ranks the stage needs from the run's own Ray cluster; None: it does not join it."""
        return None

    def progress(self, ctx: StageContext) -> Progress | None:
        return training_progress(ctx.stage_dir, self.expected_steps(ctx), self.starting, self.is_grpo)

    def summary(self, ctx: StageContext) -> str:
        return training_summary(ctx.stage_dir, self.is_grpo)

    def launch_details(self, ctx: StageContext, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """Overrides and environment of this launch that are not part of the plan (see run_command);
        `env` is what every process of the launch needs (`launch_env`), wherever it runs. A launch
        that joins the recipe's Ray cluster needs its authentication mode."""
        return [], (auth_env() if ctx.resources.ray_address else {})

    # --- shared life cycle -------------------------------------------------------------------
    def overrides(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        checkpoint_dir = ctx.stage_dir / CHECKPOINTS
        common = [
            f"trainer.default_local_dir={checkpoint_dir}",
            "trainer.resume_mode=auto",
            f"trainer.project_name={ctx.recipe.name}",
            f"trainer.experiment_name={stage.name}",
            "trainer.logger=[console,file]",
            f"trainer.nnodes={ctx.resources.nnodes}",
            # Hydra's run dir defaults to ./outputs/<date>/<time> under the caller's cwd; keep its
            # resolved config and log with the stage instead.
            f"hydra.run.dir={ctx.stage_dir / 'hydra'}",
        ]
        cli = route_cli_overrides(ctx.verl_args, top_level_keys(self.config_name))
        # Later overrides win in Hydra: ours, then the device's, then the recipe's, then the command line's.
        return [
            *self.stage_overrides(ctx),
            *common,
            *self.device_overrides(ctx),
            *stage.verl_overrides,
            *cli,
        ]

    def plan(self, ctx: StageContext) -> StagePlan:
        overrides = self.overrides(ctx)
        self.validate(overrides)
        env = device_env(ctx.resources)
        if ctx.resources.ray_address:
            env["RAY_ADDRESS"] = ctx.resources.ray_address
        command = Command([*self.launcher(ctx), *overrides], env=env)
        config = {"verl_config": self.config_name, "overrides": overrides, "stage": ctx.stage.model_dump()}
        return StagePlan(commands=[command], config=config)

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int = 1) -> dict[str, str]:
        check_device(
            ctx.resources,
            needs_vllm=self.needs_vllm(ctx),
            needs_flash_attn=removes_padding(plan.config["overrides"]),
        )
        checkpoint_dir = ctx.stage_dir / CHECKPOINTS
        step = self.finished_step(ctx)
        if step is None:
            ctx.note(self.check_dataset(ctx))
            for line in self.prepare_data(ctx):
                ctx.note(line)
            metrics = metrics_file(ctx, attempt)
            metrics.parent.mkdir(parents=True, exist_ok=True)
            env = launch_env(ctx, metrics)
            extra_args, extra_env = self.launch_details(ctx, env)
            for command in plan.commands:
                ctx.run_command(command, {**extra_env, **env}, extra_args)
            step = latest_checkpoint(checkpoint_dir)
            expected = self.expected_steps(ctx)
            if step is None or (expected is not None and step < expected):
                raise StageError(
                    f"verl exited without the final checkpoint (expected step {expected}, found {step}) "
                    f"in {checkpoint_dir}; see {ctx.log_path}"
                )
            (ctx.stage_dir / TRAINING_DONE).write_text(json.dumps({"step": step}) + "\n")
        merge_to_hf(ctx, self.shard_dir(checkpoint_dir, step))
        return outputs_in(ctx.stage_dir, self.OUTPUTS)

    def finished_step(self, ctx: StageContext) -> int | None:
        """The final step if training already completed (only the merge is left), else None."""
        marker = ctx.stage_dir / TRAINING_DONE
        if not marker.exists():
            return None
        step = json.loads(marker.read_text())["step"]
        return step if latest_checkpoint(ctx.stage_dir / CHECKPOINTS) == step else None
