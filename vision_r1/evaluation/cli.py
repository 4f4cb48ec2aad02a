"""`vision-r1 eval`: evaluate a model directory on local benchmark files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def eval_command(
    model_dir: Annotated[Path, typer.Argument(help="HF model directory (e.g. a merged stage output).")],
    benchmark: Annotated[
        list[str],
        typer.Option(
            "--benchmark",
            "-b",
            help="[NAME:]KIND=PATH, repeatable. KIND: mathvista, mathverse, mm_math (release folders), rl "
            "(a parquet), or a dataset-level task kind on an RL parquet: refcoco, coco_detection, "
            "classification, lisa.",
        ),
    ],
    out_dir: Annotated[Path, typer.Option(help="Where results and summaries go; re-running resumes.")],
    backend: Annotated[
        str, typer.Option(help="auto (vllm with a GPU, else transformers), transformers, vllm.")
    ] = "auto",
    temperature: Annotated[float, typer.Option(help="Sampling temperature (paper: 0.6).")] = 0.6,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling top-p (paper: 0.95).")] = 0.95,
    max_new_tokens: Annotated[
        int, typer.Option(help="Response length cap in tokens (paper: 16384).")
    ] = 16384,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Questions per generate call and per checkpoint (default 8 CPU, 1024 vLLM)."),
    ] = None,
    tensor_parallel_size: Annotated[int, typer.Option(help="vLLM tensor-parallel GPUs.")] = 1,
    system_prompt: Annotated[
        str | None, typer.Option(help="System prompt (default: the chat template's).")
    ] = None,
    format_retries: Annotated[
        int,
        typer.Option(
            help="Re-sample format failures up to N times (original eval: 5). Reported; off by default."
        ),
    ] = 0,
    limit: Annotated[
        int | None, typer.Option(help="Evaluate only the first N items of each benchmark.")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="NAME.KEY=VALUE, repeatable: a benchmark's option, e.g. refcoco_val.subset=2000 "
            "(VLM-R1's random subset; seed option, default 42) or coco.split_file=split.json.",
        ),
    ] = None,
    llm_extractor_url: Annotated[
        str | None,
        typer.Option(help="OpenAI-compatible base URL of an answer-extractor LLM (used when rules fail)."),
    ] = None,
    llm_extractor_model: Annotated[str | None, typer.Option(help="Model name at that endpoint.")] = None,
    llm_extractor_key_env: Annotated[
        str, typer.Option(help="Env var holding its API key.")
    ] = "OPENAI_API_KEY",
) -> None:
    """Evaluate MODEL_DIR on MathVista / MathVerse / MM-Math / RL-format sets; prints the paper table."""
    from vision_r1.evaluation import BenchmarkSpec, EvalSettings, run_evaluation
    from vision_r1.evaluation.generation import BackendUnavailableError
    from vision_r1.evaluation.results import ResumeMismatchError
    from vision_r1.evaluation.table import markdown_table

    if (llm_extractor_url is None) != (llm_extractor_model is None):
        raise typer.BadParameter("--llm-extractor-url and --llm-extractor-model go together")
    try:
        specs = [BenchmarkSpec.parse(text) for text in benchmark]
        options = benchmark_options(option or [], [s.name for s in specs])
        specs = [BenchmarkSpec(s.kind, s.path, s.name, limit, options.get(s.name, {})) for s in specs]
        extractor = (
            {
                "base_url": llm_extractor_url,
                "model": llm_extractor_model,
                "api_key_env": llm_extractor_key_env,
            }
            if llm_extractor_url
            else None
        )
        settings = EvalSettings.from_value(
            {
                "backend": backend,
                "temperature": temperature,
                "top_p": top_p,
                "max_new_tokens": max_new_tokens,
                "seed": seed,
                "batch_size": batch_size,
                "tensor_parallel_size": tensor_parallel_size,
                "system_prompt": system_prompt,
                "format_retries": format_retries,
                "llm_extractor": extractor,
            }
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    try:
        summary = run_evaluation(model_dir, specs, out_dir, settings)
    except (ValueError, ResumeMismatchError, BackendUnavailableError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(markdown_table([summary["table"]]))
    for name, result in summary["benchmarks"].items():
        typer.echo(
            f"{name}: {result['items']} items, accuracy {result['accuracy']:.1f}, "
            f"format {result['format_rate']:.1f}%, mean {result['response_tokens']['mean']:.0f} tokens"
        )
    typer.echo(f"results and summary.md in {out_dir}")


def benchmark_options(assignments: list[str], names: list[str]) -> dict[str, dict[str, object]]:
    """`NAME.KEY=VALUE` strings as {name: {key: value}}; values are read as YAML scalars (2000 -> int)."""
    import yaml

    options: dict[str, dict[str, object]] = {}
    for text in assignments:
        target, sep, value = text.partition("=")
        name, dot, key = target.rpartition(".")
        if not (sep and dot and name and key):
            raise ValueError(f"option '{text}': expected NAME.KEY=VALUE")
        if name not in names:
            raise ValueError(f"option '{text}': no benchmark named '{name}' (benchmarks: {', '.join(names)})")
        options.setdefault(name, {})[key] = yaml.safe_load(value)
    return options
