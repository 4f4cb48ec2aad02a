"""Every shipped recipe loads, and every one of its verl stages validates against verl's own config."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from vision_r1.preflight import Environment
from vision_r1.recipe.loader import load_recipe
from vision_r1.runner import Runner, Selection

RECIPES = sorted((Path(__file__).resolve().parents[2] / "recipes").glob("*.yaml"))


def test_the_four_recipes_ship() -> None:
    assert {p.stem for p in RECIPES} >= {"vision_r1_7b", "vision_r1_zero", "vision_r1_long", "tiny"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_dry_run_validates_every_stage(path: Path, tmp_path: Path) -> None:
    recipe = load_recipe(path, [f"run_dir={tmp_path / 'run'}"])
    console = Console(file=(tmp_path / "out.txt").open("w"), width=200)
    # A described GPU install (packages present, room on disk): the recipes' own checks, on any machine.
    environment = Environment(
        gpu_install=True, importable=frozenset({"vllm", "flash_attn"}), free_disk_bytes=1 << 50
    )
    plans = Runner(recipe, console=console).dry_run(Selection(), environment)
    assert list(plans) == [stage.name for stage in recipe.stages]
    printed = (tmp_path / "out.txt").read_text()
    for stage in recipe.stages:
        assert stage.name in printed
        if stage.kind == "grpo":
            overrides = plans[stage.name].config["overrides"]
            assert f"data.max_response_length={stage.max_response_length}" in overrides
            assert f"actor_rollout_ref.rollout.n={stage.rollout_n}" in overrides
            assert "algorithm.adv_estimator=grpo" in overrides
    assert "preflight: 0 error(s)" in printed  # dry_run raises RunError on any preflight error
    assert not (tmp_path / "run").exists()  # a dry run creates nothing


def test_paper_recipe_encodes_ptst() -> None:
    recipe = load_recipe(next(p for p in RECIPES if p.stem == "vision_r1_7b"))
    grpo = [s for s in recipe.stages if s.kind == "grpo"]
    assert [(s.max_response_length, s.rollout_n, s.steps) for s in grpo] == [
        (4096, 16, 100),
        (8192, 8, 100),
        (16384, 4, 100),
    ]
    assert {s.max_response_length * s.rollout_n for s in grpo} == {65536}  # length x group constant
    assert all(s.reward == "hfrrf" and s.kl_coef == 0.01 and s.kl_loss_type == "low_var_kl" for s in grpo)
    assert all(s.clip_ratio == 0.2 and s.lr == 1e-6 and s.temperature == 1.0 for s in grpo)
    sft = recipe.stage("sft")
    assert (
        sft.epochs,
        sft.lr,
        sft.lr_scheduler,
        sft.warmup_ratio,
        sft.global_batch_size,
        sft.max_length,
    ) == (
        2,
        5e-6,
        "cosine",
        0.05,
        32,
        16384,
    )
    assert grpo[0].model.endswith("/sft/model") and grpo[1].model.endswith("/grpo_4k/model")


def test_learning_recipe_control_differs_from_its_twin_only_by_the_negated_reward(tmp_path: Path) -> None:
    recipe = load_recipe(RECIPES[0].parent / "tiny_learn.yaml", [f"run_dir={tmp_path / 'run'}"])
    console = Console(file=(tmp_path / "out.txt").open("w"), width=200)
    plans = Runner(recipe, console=console).dry_run(
        Selection(), Environment(gpu_install=False, importable=frozenset(), free_disk_bytes=1 << 50)
    )
    grpo = plans["grpo"].config["overrides"]
    control = plans["grpo_control"].config["overrides"]
    kwargs = "+reward.custom_reward_function.reward_kwargs"
    assert f"{kwargs}.reward_override=brief_thinking" in grpo
    assert {f"{kwargs}.min_thinking_chars=1", f"{kwargs}.max_thinking_chars=8"} <= set(grpo)
    assert "actor_rollout_ref.actor.optim.lr_warmup_steps=5" in grpo  # the first 5 steps measure the start
    own_folders = {item for item in control if "grpo_control" in item}  # checkpoints, experiment, hydra
    assert set(control) - set(grpo) - own_folders == {f"{kwargs}.negate_reward=True"}
    assert len(control) == len(grpo) + 1
