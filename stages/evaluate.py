"""Evaluation: `vision-r1 eval` on the stage's model; results and summaries land in the stage folder.

The evaluator journals every judged item, so an interrupted stage resumes by running the same
command again, and `vision-r1 report` finds `summary.json` where it expects it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from stages.base import StageContext
from stages.progress import Progress, eval_progress, eval_summary, parquet_rows
from stages.subprocess_stage import CliStageKind


class EvalKind(CliStageKind):
    OUTPUTS: ClassVar[dict[str, str]] = {"summary": "summary.json", "table": "summary.md"}

    def inputs(self, stage: Any) -> dict[str, str]:
        found = {"model": stage.model}
        found.update({f"benchmark:{b.name or b.kind}": b.path for b in stage.benchmarks})
        return found

    def arguments(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        args = ["eval", stage.model, "--out-dir", str(ctx.stage_dir), "--backend", stage.backend]
        for benchmark in stage.benchmarks:
            prefix = f"{benchmark.name}:" if benchmark.name else ""
            args += ["--benchmark", f"{prefix}{benchmark.kind}={benchmark.path}"]
        args += ["--temperature", str(stage.temperature), "--top-p", str(stage.top_p)]
        args += ["--max-new-tokens", str(stage.max_new_tokens), "--format-retries", str(stage.format_retries)]
        args += ["--tensor-parallel-size", str(stage.tensor_parallel_size)]
        if stage.batch_size:
            args += ["--batch-size", str(stage.batch_size)]
        if stage.limit:
            args += ["--limit", str(stage.limit)]
        return args

    def progress(self, ctx: StageContext) -> Progress | None:
        stage = ctx.stage
        rows = [parquet_rows(benchmark.path) for benchmark in stage.benchmarks]
        known = all(n is not None for n in rows)
        items = sum(min(n, stage.limit or n) for n in rows if n is not None) if known else None
        return eval_progress(ctx.stage_dir, items)

    def summary(self, ctx: StageContext) -> str:
        return eval_summary(ctx.stage_dir / self.OUTPUTS["summary"])
