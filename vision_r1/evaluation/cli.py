"""`vision-r1 eval`: evaluate a model directory, or judge a file of responses, on local benchmark files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

GENERATION_ONLY = ("samples", "resample_missing_answer", "format_retries")


def eval_command(
    model_dir: Annotated[
        Path | None,
        typer.Argument(help="HF model directory (e.g. a merged stage output); leave out with --responses."),
    ] = None,
    benchmark: Annotated[
        list[str] | None,
        typer.Option(
            "--benchmark",
            "-b",
            help="[NAME:]KIND=PATH, repeatable. KIND: mathvista, mathverse, mm_math (release folders), rl "
            "(a parquet), or a dataset-level task kind on an RL parquet: refcoco, coco_detection, "
            "classification, lisa.",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Where results and summaries go; re-running resumes.")
    ] = None,
    responses: Annotated[
        Path | None,
        typer.Option(
            help="Judge the responses in this JSONL/JSON file instead of generating (no model, no GPU)."
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(help="Row label in the table (default: the model folder or responses file name)."),
    ] = None,
    backend: Annotated[
        str, typer.Option(help="auto (vllm with a GPU, else transformers), transformers, vllm.")
    ] = "auto",
    temperature: Annotated[float, typer.Option(help="Sampling temperature (paper: 0.6).")] = 0.6,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling top-p (paper: 0.95).")] = 0.95,
    max_new_tokens: Annotated[
        int, typer.Option(help="Response length cap in tokens (paper: 16384).")
    ] = 16384,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    samples: Annotated[
        int, typer.Option(help="Responses per question; accuracy becomes mean@N and pass@N is reported.")
    ] = 1,
    resample_missing_answer: Annotated[
        bool,
        typer.Option(
            help="The Vision-R1 evaluation's rule: re-sample a response without </answer>, up to 5 in all. "
            "Raises scores; named in the table."
        ),
    ] = False,
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
        typer.Option(help="Re-sample responses that break the think/answer format up to N times. Reported."),
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
    """Evaluate MODEL_DIR, or judge --responses, on MathVista / MathVerse / MM-Math / RL-format sets.

    Prints the paper's table with two lines per model: official (each benchmark's published
    scoring) and strict (our judge).
    """
    from vision_r1.evaluation import BenchmarkSpec, EvalSettings, run_evaluation, score_responses
    from vision_r1.evaluation.generation import BackendUnavailableError
    from vision_r1.evaluation.results import ResumeMismatchError
    from vision_r1.evaluation.table import markdown_table

    if (model_dir is None) == (responses is None):
        raise typer.BadParameter(
            "give either MODEL_DIR (generate and judge) or --responses FILE (judge only)"
        )
    if not benchmark:
        raise typer.BadParameter("at least one --benchmark/-b KIND=PATH is needed")
    if out_dir is None:
        raise typer.BadParameter("--out-dir is needed")
    if (llm_extractor_url is None) != (llm_extractor_model is None):
        raise typer.BadParameter("--llm-extractor-url and --llm-extractor-model go together")
    values: dict[str, Any] = {
        "backend": backend,
        "temperature": temperature,
        "top_p": top_p,
        "max_new_tokens": max_new_tokens,
        "seed": seed,
        "batch_size": batch_size,
        "tensor_parallel_size": tensor_parallel_size,
        "system_prompt": system_prompt,
        "format_retries": format_retries,
        "samples": samples,
        "resample_missing_answer": resample_missing_answer,
        "llm_extractor": (
            {
                "base_url": llm_extractor_url,
                "model": llm_extractor_model,
                "api_key_env": llm_extractor_key_env,
            }
            if llm_extractor_url
            else None
        ),
    }
    try:
        specs = [BenchmarkSpec.parse(text) for text in benchmark]
        options = benchmark_options(option or [], [s.name for s in specs])
        specs = [BenchmarkSpec(s.kind, s.path, s.name, limit, options.get(s.name, {})) for s in specs]
        settings = EvalSettings.from_value(values)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    if responses is not None:
        used = [name for name in GENERATION_ONLY if values[name] != getattr(EvalSettings(), name)]
        if used:
            options = ", ".join("--" + name.replace("_", "-") for name in used)
            raise typer.BadParameter(
                f"{options}: only when a model generates; a responses file brings its own samples"
            )
    try:
        if responses is not None:
            summary = score_responses(responses, specs, out_dir, label, settings)
        else:
            summary = run_evaluation(model_dir, specs, out_dir, settings, label=label)
    except (ValueError, ResumeMismatchError, BackendUnavailableError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(markdown_table([summary["table"]]))
    for name, result in summary["benchmarks"].items():
        official = result.get("official_accuracy")
        typer.echo(
            f"{name}: {result['items']} items x {result['samples_per_item']}, "
            f"official {'-' if official is None else f'{official:.1f}'}, strict {result['accuracy']:.1f}, "
            f"format {result['format_rate']:.1f}%, mean {result['response_tokens']['mean']:.0f} tokens"
        )
        for source, count in result["files"].items():
            typer.echo(f"  {count} items from {source}")
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
