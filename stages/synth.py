"""Render the synthetic visual-math set: the CPU recipe's RL data and cold-start input, with exact answers."""

from __future__ import annotations

from typing import Any, ClassVar

from stages.base import Command, StageContext, StagePlan, outputs_in
from stages.subprocess_stage import fresh_partial, partial_path, publish, run_commands, vision_r1_command

DATA = "sets"


class SynthKind:
    # File names as `vision_r1.data.synth.write_synth_dataset` writes them.
    OUTPUTS: ClassVar[dict[str, str]] = {
        "rl_train": f"{DATA}/rl_train.parquet",
        "rl_val": f"{DATA}/rl_val.parquet",
        "cold_start_input": f"{DATA}/coldstart_input.parquet",
    }

    def inputs(self, stage: Any) -> dict[str, str]:
        return {}

    def plan(self, ctx: StageContext) -> StagePlan:
        stage = ctx.stage
        args = [
            "data",
            "synth",
            str(partial_path(ctx.stage_dir / DATA)),
            "--n",
            str(stage.n),
            "--seed",
            str(stage.seed),
        ]
        args += ["--math-reward", stage.math_reward, "--template", stage.template]
        if stage.val_n is not None:
            args += ["--val-n", str(stage.val_n)]
        if stage.tasks:
            args += ["--tasks", ",".join(stage.tasks)]
        return StagePlan(commands=[Command(vision_r1_command(*args))], config={"stage": stage.model_dump()})

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int) -> dict[str, str]:
        partial = fresh_partial(ctx.stage_dir / DATA)
        run_commands(ctx, plan.commands)
        publish(partial, ctx.stage_dir / DATA)
        return outputs_in(ctx.stage_dir, self.OUTPUTS)
