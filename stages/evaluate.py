"""Evaluation: `vision-r1 eval` on the stage's model; results and summaries land in the stage folder.

The evaluator journals every judged item, so an interrupted stage resumes by running the same
command again, and `vision-r1 report` finds `summary.json` where it expects it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from stages.base import StageContext
from stages.subprocess_stage import CliStageKind


def _default_name(kind: str, path: str) -> str:
    """The name `vision-r1 eval` gives a benchmark without one (its options are addressed by it)."""
    from vision_r1.evaluation.benchmarks import BenchmarkSpec

    return BenchmarkSpec(kind, path).name


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
            name = benchmark.name or _default_name(benchmark.kind, benchmark.path)
            for key, value in benchmark.options.items():
                args += ["--option", f"{name}.{key}={value}"]
        args += ["--temperature", str(stage.temperature), "--top-p", str(stage.top_p)]
        args += ["--max-new-tokens", str(stage.max_new_tokens), "--format-retries", str(stage.format_retries)]
        args += ["--tensor-parallel-size", str(stage.tensor_parallel_size)]
        if stage.batch_size:
            args += ["--batch-size", str(stage.batch_size)]
        if stage.limit:
            args += ["--limit", str(stage.limit)]
        system_prompt = training_system_prompt(stage)
        if system_prompt:
            args += ["--system-prompt", system_prompt]
        return args


def training_system_prompt(stage: Any) -> str | None:
    """The system prompt of the template the model was trained with: evaluation must ask the same way."""
    if stage.prompt_template is None:
        return None
    from vision_r1.data.prompts import load_template

    return load_template(stage.prompt_template).system
