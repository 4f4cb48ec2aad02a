"""The `vision-r1` command line: one entry point, one sub-command per capability.

Heavy imports (torch, transformers, verl) happen inside commands so `--help` stays instant.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from vision_r1 import __version__
from vision_r1.data.cli import app as data_app

app = typer.Typer(
    name="vision-r1",
    help="The Vision-R1 recipe on verl: cold start, SFT, PTST GRPO and evaluation, with a CPU path.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.command()
def version() -> None:
    """Print the vision-r1 version and the versions of the frameworks it is pinned to."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    typer.echo(f"vision-r1 {__version__}")
    for package in ("verl", "transformers", "torch", "ray"):
        try:
            typer.echo(f"  {package} {package_version(package)}")
        except PackageNotFoundError:
            typer.echo(f"  {package} (not installed)")


@app.command("tiny-model")
def tiny_model(
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the model and processor into.")],
    seed: Annotated[int, typer.Option(help="Seed for the tokenizer corpus and the random weights.")] = 0,
) -> None:
    """Build the tiny random-weight Qwen2.5-VL (about 1 MB) used by the CPU recipe and the tests."""
    from vision_r1.tiny_model import build_tiny_model

    path = build_tiny_model(out_dir, seed=seed)
    typer.echo(f"tiny Qwen2.5-VL written to {path}")


@app.command()
def smoke(
    model_dir: Annotated[
        Path | None, typer.Option(help="HF model directory; default: build the tiny model in a temp dir.")
    ] = None,
    max_new_tokens: Annotated[int, typer.Option(min=1, help="How many tokens to generate.")] = 16,
) -> None:
    """Generate from an image + question on CPU: a one-minute check that the install works."""
    from vision_r1.tiny_model import build_tiny_model
    from vision_r1.tiny_model.smoke import SMOKE_QUESTION, smoke_generate

    with tempfile.TemporaryDirectory(prefix="vision-r1-smoke-") as tmp:
        directory = model_dir or build_tiny_model(Path(tmp) / "tiny", seed=0)
        text = smoke_generate(directory, max_new_tokens=max_new_tokens)
    typer.echo(f"question: {SMOKE_QUESTION}")
    typer.echo(f"generated ({max_new_tokens} tokens, random weights): {text!r}")


app.add_typer(data_app, name="data")
app.add_typer(__import__("vision_r1.rewards.cli", fromlist=["app"]).app, name="rewards")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
