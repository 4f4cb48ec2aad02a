"""Preflight fixtures: the shipped and the pre-issue-12 recipes, checked as on a GPU install.

The environment is described, not detected: a GPU install with vLLM and flash-attn importable and
16 TiB free, so that the recipe checks are what these tests see, whatever machine runs them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from preflight_helpers import BEFORE, GPU_INSTALL, SHIPPED, Preflight

from vision_r1.preflight import Environment, PreflightReport
from vision_r1.recipe.loader import load_recipe
from vision_r1.runner import Runner, Selection


@pytest.fixture(scope="session")
def preflight(tmp_path_factory: pytest.TempPathFactory) -> Preflight:
    """Run the preflight of a recipe file with recipe overrides and `--` verl overrides (memoised: reports
    are read-only, and composing verl's config for every stage takes seconds)."""
    done: dict[tuple, PreflightReport] = {}

    def check(
        recipe: Path,
        overrides: tuple[str, ...] = (),
        verl_args: tuple[str, ...] = (),
        environment: Environment = GPU_INSTALL,
        only: str | None = None,
    ) -> PreflightReport:
        key = (recipe, overrides, verl_args, environment, only)
        if key not in done:
            run_dir = tmp_path_factory.mktemp("run")
            loaded = load_recipe(recipe, [f"run_dir={run_dir}", *overrides])
            runner = Runner(loaded, verl_args=list(verl_args))
            done[key] = runner.preflight(Selection(only=only), environment)
        return done[key]

    return check


@pytest.fixture(scope="session")
def zero_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 synthetic RL rows with Vision-R1-Zero's R1 system prompt (and 4 held-out)."""
    from vision_r1.data import write_synth_dataset
    from vision_r1.data.prompts import TEMPLATES

    folder = tmp_path_factory.mktemp("zero-set")
    write_synth_dataset(folder, 40, seed=0, tasks=["counting"], val_n=4, template=TEMPLATES["zero"])
    return folder


@pytest.fixture(scope="session")
def before_7b(preflight: Preflight) -> PreflightReport:
    return preflight(BEFORE / "vision_r1_7b.yaml")


@pytest.fixture(scope="session")
def shipped_7b(preflight: Preflight) -> PreflightReport:
    return preflight(SHIPPED / "vision_r1_7b.yaml")
