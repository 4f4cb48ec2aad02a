"""`vision-r1 run` and `vision-r1 status`: the stage runner's command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

VERL_ARGS_KEY = "verl_args"


def split_verl_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """`run R a=1 -- trainer.x=2` -> (['run', 'R', 'a=1'], ['trainer.x=2']); `--` is Hydra's hand-off."""
    if "run" in argv and "--" in argv[argv.index("run") :]:
        cut = argv.index("--", argv.index("run"))
        return argv[:cut], argv[cut + 1 :]
    return argv, []


def run(
    ctx: typer.Context,
    recipe: Annotated[
        Path, typer.Argument(help="Recipe YAML, e.g. recipes/tiny.yaml.", exists=True, dir_okay=False)
    ],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(help="Recipe overrides key=value, e.g. stages.sft.lr=1e-5 run_dir=runs/x."),
    ] = None,
    from_stage: Annotated[
        str | None, typer.Option("--from", help="Re-run this stage and all after it.")
    ] = None,
    only: Annotated[str | None, typer.Option(help="Re-run only this stage.")] = None,
    until: Annotated[str | None, typer.Option(help="Stop after this stage.")] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            help="Print each stage's command and resolved config, then the preflight (parallel sizes vs "
            "heads, token budgets, batch rules, GPU memory per stage, checkpoint disk, packages, data); "
            "run nothing; exit 2 if the preflight finds errors."
        ),
    ] = False,
) -> None:
    """Run a recipe: cold start -> SFT -> GRPO (PTST) stages -> eval, resuming where it stopped.

    Everything after `--` is passed to every verl stage as Hydra overrides
    (e.g. `-- trainer.logger=[console,wandb]`); each override reaches the stages whose verl config has
    its top-level section.
    """
    from vision_r1.recipe.loader import RecipeError, load_recipe
    from vision_r1.runner import RunError, Runner, Selection

    console = Console()
    verl_args = (ctx.obj or {}).get(VERL_ARGS_KEY, [])
    try:
        loaded = load_recipe(recipe, overrides or [])
        runner = Runner(loaded, verl_args=verl_args, console=console)
        selection = Selection(from_stage=from_stage, only=only, until=until)
        if dry_run:
            runner.dry_run(selection)
        else:
            runner.run(selection)
    except (RecipeError, RunError) as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        console.print("[magenta]interrupted[/]: run the same command again to resume")
        raise typer.Exit(130) from None


def status(
    run_dir: Annotated[
        Path, typer.Argument(help="A run directory, e.g. runs/tiny.", exists=True, file_okay=False)
    ],
) -> None:
    """Show every stage of a run: status, steps done/total, last metrics, outputs."""
    from vision_r1.run_status import status_table

    try:
        Console().print(status_table(run_dir))
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
