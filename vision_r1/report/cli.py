"""`vision-r1 report`: render a run directory as a self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report_command(
    run_dir: Annotated[
        Path, typer.Argument(help="A run directory (runs/<name>) with state.json and stage folders.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="HTML file to write; PNGs and summary.md go next to it. Default RUN_DIR/report/report.html."
        ),
    ] = None,
) -> None:
    """Training curves, PTST response lengths, cold-start funnel, eval table, timings and recipe as one HTML page."""
    from vision_r1.report.builder import build_report

    try:
        path = build_report(run_dir, out)
    except FileNotFoundError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"report written to {path} (PNGs and summary.md alongside)")
