"""`vision-r1 cold-start CONFIG`: regenerate a Vision-R1-style cold-start SFT set by modality bridging."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Exit status of a run that left samples not yet generated (a re-run finishes it).
INCOMPLETE_EXIT = 3


def cold_start(
    config: Annotated[Path, typer.Argument(help="YAML config, e.g. data_pipeline/configs/tiny.yaml.")],
    output_dir: Annotated[Path | None, typer.Option(help="Override the config's output_dir.")] = None,
    input_path: Annotated[
        Path | None, typer.Option("--input", help="Override the config's input (a cold-start input table).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N input rows.")] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Also re-send requests journaled as permanent failures (4xx, refusals, empty or invalid "
            "replies). Transient ones (5xx, timeouts, outages) are re-sent by every run anyway.",
        ),
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show per-step progress bars.")] = True,
) -> None:
    """Run or resume the cold-start pipeline: pseudo-CoT -> description -> reasoning -> filter + SFT set.

    Safe to interrupt at any moment: re-running the same command resumes from the journal in the
    output directory without repeating finished requests. An endpoint that goes down is waited for
    (probed until it answers, up to its `outage_budget_s`). Exit status: 0 done; 2 bad config, input or
    endpoint settings; 3 incomplete (samples not yet generated: run the same command again).
    """
    from data_pipeline.chat import FatalEngineError
    from data_pipeline.config import ConfigError
    from data_pipeline.inputs import InputError
    from data_pipeline.journal import JournalError
    from data_pipeline.runner import IncompleteRunError, run_cold_start
    from data_pipeline.templates import TemplateError

    try:
        outputs = run_cold_start(
            config,
            output_dir=output_dir,
            input_path=input_path,
            limit=limit,
            retry_failed=retry_failed,
            progress=progress,
        )
    except (ConfigError, InputError, TemplateError, JournalError, FatalEngineError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    except IncompleteRunError as incomplete:
        typer.echo(f"error: {incomplete}", err=True)
        raise typer.Exit(INCOMPLETE_EXIT) from incomplete
    typer.echo(f"SFT set: {outputs.sft_path} ({outputs.stats['funnel']['kept']} samples)")
    typer.echo(f"stats:   {outputs.stats_path}")
