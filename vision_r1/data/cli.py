"""`vision-r1 data ...`: build, convert and check the dataset files every stage trains on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="data",
    help="Datasets: synthetic visual math, converters from common formats, validation through verl.",
    no_args_is_help=True,
)

TemplateOption = Annotated[
    str,
    typer.Option(
        "--template",
        help="RL prompt template: vision_r1 (no system prompt), zero (R1 system prompt), think_instruction, "
        "or a YAML file with `system` and `user` ({question}) keys.",
    ),
]


@app.command()
def synth(
    out_dir: Annotated[
        Path, typer.Argument(help="Directory for rl_train/rl_val/coldstart_input parquet files.")
    ],
    n: Annotated[int, typer.Option("--n", min=1, help="Training rows.")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 0,
    val_n: Annotated[int | None, typer.Option(help="Validation rows (default n/10, at least 1).")] = None,
    tasks: Annotated[
        str | None,
        typer.Option(help="Comma-separated subset of: counting,arithmetic,bar_chart,triangle,rec,detection."),
    ] = None,
    math_reward: Annotated[
        str, typer.Option(help="Reward kind of the math rows: hfrrf, r1v or math.")
    ] = "hfrrf",
    template: TemplateOption = "vision_r1",
) -> None:
    """Render a synthetic visual-math set with exact answers (plus a small REC/detection subset)."""
    from vision_r1.data.prompts import load_template
    from vision_r1.data.synth import write_synth_dataset

    if math_reward not in ("hfrrf", "r1v", "math"):
        raise typer.BadParameter(f"{math_reward!r} is not a math reward kind (hfrrf, r1v, math)")
    chosen = [name.strip() for name in tasks.split(",")] if tasks else None
    try:
        manifest = write_synth_dataset(
            out_dir,
            n,
            seed=seed,
            val_n=val_n,
            tasks=chosen,
            math_reward=math_reward,
            template=load_template(template),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    for name, rows in manifest["files"].items():
        typer.echo(f"{out_dir / name}: {rows} rows")
    typer.echo(f"per source: {manifest['train_rows_per_source']}")
