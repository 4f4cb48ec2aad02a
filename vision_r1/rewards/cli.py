"""`vision-r1 rewards ...`: score one response by hand, list the kinds and the data-source mapping.

Useful when writing prompts or datasets: see exactly what the trainer's reward will say.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

app = typer.Typer(help="Verifiable rewards: score a response, list the reward kinds.", no_args_is_help=True)


@app.command()
def score(
    response: Annotated[str, typer.Argument(help="The model response; '-' reads it from stdin.")],
    truth: Annotated[str, typer.Option("--truth", "-t", help="Ground truth (text, number or JSON boxes).")],
    kind: Annotated[str | None, typer.Option(help="Reward kind; default: from --data-source.")] = None,
    data_source: Annotated[
        str, typer.Option(help="Data source name (picks the kind if --kind is absent).")
    ] = "",
    extra: Annotated[str, typer.Option(help='extra_info as JSON, e.g. \'{"choices": ["3", "4"]}\'.')] = "{}",
) -> None:
    """Score RESPONSE against --truth exactly as verl's reward will, and print the result as JSON."""
    from vision_r1.rewards import compute_score

    try:
        extra_info = json.loads(extra)
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"--extra is not JSON: {error}") from error
    if not isinstance(extra_info, dict):
        raise typer.BadParameter("--extra must be a JSON object")
    if kind is not None:
        extra_info["reward"] = kind
    text = sys.stdin.read() if response == "-" else response
    try:
        result = compute_score(data_source, text, truth, extra_info)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(json.dumps(result))


@app.command()
def kinds() -> None:
    """List the reward kinds and which data-source names select each of them."""
    from vision_r1.rewards import DATA_SOURCE_KINDS, KINDS

    for name, function in KINDS.items():
        sources = sorted(source for source, kind in DATA_SOURCE_KINDS.items() if kind == name)
        summary = (function.__doc__ or "").strip().splitlines()[0]
        typer.echo(f"{name:<15} {summary}")
        typer.echo(f"{'':<15} data sources: {', '.join([name, *sources])}")
