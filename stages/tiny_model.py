"""Build the tiny random-weight Qwen2.5-VL as the base model of a CPU recipe (no download needed)."""

from __future__ import annotations

from typing import Any, ClassVar

from stages.base import Command, StageContext, StagePlan, outputs_in
from stages.subprocess_stage import fresh_partial, partial_path, publish, run_commands, vision_r1_command
from stages.verl_launch import verify_hf_dir

MODEL = "model"


class TinyModelKind:
    OUTPUTS: ClassVar[dict[str, str]] = {"model": MODEL}

    def inputs(self, stage: Any) -> dict[str, str]:
        return {}

    def plan(self, ctx: StageContext) -> StagePlan:
        partial = partial_path(ctx.stage_dir / MODEL)
        command = Command(vision_r1_command("tiny-model", str(partial), "--seed", str(ctx.stage.seed)))
        return StagePlan(commands=[command], config={"stage": ctx.stage.model_dump()})

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int) -> dict[str, str]:
        target = ctx.stage_dir / MODEL
        partial = fresh_partial(target)
        run_commands(ctx, plan.commands)
        verify_hf_dir(partial)
        publish(partial, target)
        return outputs_in(ctx.stage_dir, self.OUTPUTS)
