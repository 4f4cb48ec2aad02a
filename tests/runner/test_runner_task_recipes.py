"""The Visual-RFT / VLM-R1 task recipes carry their papers' settings, each has a CPU twin with the
same stage chain, and a CPU GRPO stage joins an existing Ray cluster when the recipe names one."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from vision_r1.recipe.loader import load_recipe
from vision_r1.runner import Runner, Selection

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
TASKS = {  # recipe -> (reward kind, evaluation kinds)
    "vlm_r1_rec": ("iou", {"refcoco"}),
    "vlm_r1_ovd": ("map_length", {"coco_detection"}),
    "visual_rft_cls": ("classification", {"classification"}),
    "visual_rft_det": ("detection", {"coco_detection"}),
    "visual_rft_lisa": ("giou", {"lisa"}),
}


@pytest.mark.parametrize("name", TASKS)
def test_task_recipe_and_its_twin(name: str) -> None:
    reward, eval_kinds = TASKS[name]
    recipe, twin = load_recipe(RECIPES / f"{name}.yaml"), load_recipe(RECIPES / f"{name}_tiny.yaml")
    grpo, evaluation = recipe.stage("grpo"), recipe.stage("eval")
    assert (grpo.reward, grpo.rollout_n, grpo.kl_coef, grpo.kl_loss_type, grpo.lr) == (
        reward, 8, 0.04, "low_var_kl", 1e-6,
    )  # fmt: skip
    assert {b.kind for b in evaluation.benchmarks} == eval_kinds and evaluation.temperature == 0.0
    assert recipe.resources.device == "gpu" and twin.resources.device == "cpu"
    assert twin.stage("grpo").reward == reward
    assert {b.kind for b in twin.stage("eval").benchmarks} == eval_kinds
    assert [s.kind for s in twin.stages] == ["tiny_model", "synth", "grpo", "eval"]


def test_vlm_r1_rec_is_vlm_r1s_setting() -> None:
    recipe = load_recipe(RECIPES / "vlm_r1_rec.yaml")
    grpo = recipe.stage("grpo")
    assert recipe.base_model == "Qwen/Qwen2.5-VL-3B-Instruct"
    assert (grpo.max_response_length, grpo.rollout_batch_size) == (2048, 16)
    splits = [b.name for b in recipe.stage("eval").benchmarks]
    assert len(splits) == 8 and "refcocog_test" in splits
    assert all(not b.options for b in recipe.stage("eval").benchmarks)  # full splits, no subset


def test_cpu_grpo_joins_the_ray_cluster_the_recipe_names(tmp_path: Path) -> None:
    recipe = load_recipe(
        RECIPES / "vlm_r1_rec_tiny.yaml",
        [f"run_dir={tmp_path / 'run'}", "resources.ray_address=10.0.0.5:6379"],
    )
    console = Console(file=(tmp_path / "out.txt").open("w"), width=200)
    plan = Runner(recipe, console=console).dry_run(Selection())["grpo"]
    overrides = plan.config["overrides"]
    assert "+ray_kwargs.ray_init.address=10.0.0.5:6379" in overrides
    assert "ray_kwargs.ray_init.num_cpus=null" in overrides  # Ray refuses a CPU count when joining
    assert "+ray_kwargs.ray_init.address=local" not in overrides
    assert plan.commands[0].env["RAY_ADDRESS"] == "10.0.0.5:6379"
    eval_command = " ".join(Runner(recipe, console=console).dry_run(Selection())["eval"].commands[0].argv)
    assert "--benchmark rec_val:refcoco=" in eval_command and "--option rec_val.subset=3" in eval_command
