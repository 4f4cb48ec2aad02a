"""Cold start by modality bridging: `vision-r1 cold-start` writes the SFT set and its stats.

The pipeline journals every request inside the stage folder, so an interrupted stage resumes by
running the same command again: finished requests are never repeated.
"""

from __future__ import annotations

from typing import Any, ClassVar

from stages.base import Command, StageContext, StagePlan, outputs_in
from stages.subprocess_stage import run_commands, vision_r1_command

WORK = "work"


class ColdStartKind:
    # File names as data_pipeline/runner.py writes them (SFT_FILE, STATS_FILE).
    OUTPUTS: ClassVar[dict[str, str]] = {"dataset": f"{WORK}/sft.parquet", "stats": f"{WORK}/stats.json"}

    def inputs(self, stage: Any) -> dict[str, str]:
        found = {"config": stage.config}
        if stage.input:
            found["input"] = stage.input
        return found

    def plan(self, ctx: StageContext) -> StagePlan:
        stage = ctx.stage
        args = ["cold-start", stage.config, "--output-dir", str(ctx.stage_dir / WORK), "--no-progress"]
        if stage.input:
            args += ["--input", stage.input]
        if stage.limit:
            args += ["--limit", str(stage.limit)]
        return StagePlan(commands=[Command(vision_r1_command(*args))], config={"stage": stage.model_dump()})

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int) -> dict[str, str]:
        run_commands(ctx, plan.commands)
        return outputs_in(ctx.stage_dir, self.OUTPUTS)
