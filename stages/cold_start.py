"""Cold start by modality bridging: `vision-r1 cold-start` writes the SFT set and its stats.

The pipeline journals every request inside the stage folder, so an interrupted stage resumes by
running the same command again: finished requests are never repeated.
"""

from __future__ import annotations

from typing import Any, ClassVar

from stages.base import StageContext
from stages.progress import Progress, cold_start_progress, cold_start_summary, parquet_rows
from stages.subprocess_stage import CliStageKind

WORK = "work"


class ColdStartKind(CliStageKind):
    # File names as data_pipeline/runner.py writes them (SFT_FILE, STATS_FILE).
    OUTPUTS: ClassVar[dict[str, str]] = {"dataset": f"{WORK}/sft.parquet", "stats": f"{WORK}/stats.json"}

    def inputs(self, stage: Any) -> dict[str, str]:
        return {"config": stage.config, **({"input": stage.input} if stage.input else {})}

    def arguments(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        args = ["cold-start", stage.config, "--output-dir", str(ctx.stage_dir / WORK), "--no-progress"]
        if stage.input:
            args += ["--input", stage.input]
        if stage.limit:
            args += ["--limit", str(stage.limit)]
        return args

    def progress(self, ctx: StageContext) -> Progress | None:
        stage = ctx.stage
        rows = parquet_rows(stage.input)
        samples = min(n for n in (rows, stage.limit) if n is not None) if rows or stage.limit else None
        return cold_start_progress(ctx.stage_dir / WORK, samples)

    def summary(self, ctx: StageContext) -> str:
        return cold_start_summary(ctx.stage_dir / WORK)
