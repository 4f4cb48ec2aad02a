"""Render the synthetic visual-math set: the CPU recipe's RL data and cold-start input, with exact answers."""

from __future__ import annotations

from typing import ClassVar

from stages.base import StageContext
from stages.progress import parquet_rows
from stages.subprocess_stage import PublishedCliStageKind, partial_path


class SynthKind(PublishedCliStageKind):
    folder = "sets"
    # File names as `vision_r1.data.synth.write_synth_dataset` writes them.
    OUTPUTS: ClassVar[dict[str, str]] = {
        "rl_train": "sets/rl_train.parquet",
        "rl_val": "sets/rl_val.parquet",
        "cold_start_input": "sets/coldstart_input.parquet",
    }

    def arguments(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        args = ["data", "synth", str(partial_path(ctx.stage_dir / self.folder)), "--n", str(stage.n)]
        args += ["--seed", str(stage.seed), "--math-reward", stage.math_reward, "--template", stage.template]
        if stage.val_n is not None:
            args += ["--val-n", str(stage.val_n)]
        if stage.tasks:
            args += ["--tasks", ",".join(stage.tasks)]
        return args

    def summary(self, ctx: StageContext) -> str:
        rows = {key: parquet_rows(str(ctx.stage_dir / path)) for key, path in self.OUTPUTS.items()}
        return (
            f"{rows['rl_train']} RL train, {rows['rl_val']} val, {rows['cold_start_input']} cold-start rows"
        )
