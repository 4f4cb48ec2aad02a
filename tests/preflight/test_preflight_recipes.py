"""Issue #12's defects: each fails the preflight (or a recipe check) on the recipes as they were, and the
shipped recipes pass. The frozen pre-fix recipes live in tests/preflight/before_issue12/."""

from __future__ import annotations

import pytest
from preflight_helpers import BEFORE, SHIPPED, Preflight, messages

from vision_r1.preflight import PreflightReport
from vision_r1.recipe.loader import load_recipe

pytestmark = pytest.mark.slow  # each recipe composes verl's config for every stage (5-20 s)

GPU_RECIPES = ("vision_r1_7b", "vision_r1_zero", "vision_r1_long")


@pytest.mark.parametrize("name", GPU_RECIPES)
def test_shipped_gpu_recipes_pass_and_pre_fix_recipes_fail(preflight: Preflight, name: str) -> None:
    shipped = preflight(SHIPPED / f"{name}.yaml")
    assert shipped.errors == []
    estimates = [report.gpu_memory_gib for report in shipped.stages if report.gpu_memory_gib is not None]
    assert estimates and max(estimates) <= 0.9 * 80  # every stage's peak fits 90% of an 80 GB GPU
    assert len(preflight(BEFORE / f"{name}.yaml").errors) >= 2


def test_defect_1_eval_tensor_parallel_8_does_not_divide_28_heads(
    before_7b: PreflightReport, shipped_7b: PreflightReport
) -> None:
    [message] = messages(before_7b, "eval", "parallel sizes", "error")
    assert (
        "eval TP 8 does not divide the 28 attention heads" in message and "vLLM refuses to start" in message
    )
    fix = next(f.fix for f in before_7b.stage("eval").findings if f.severity.value == "error")
    assert fix == "set stages.eval.tensor_parallel_size to one of [1, 2, 4]"
    assert messages(shipped_7b, "eval", "parallel sizes", "ok") == [
        "eval TP: 4 fits 28 heads, 4 KV heads, 16 vision heads, vision MLP 3420"
    ]


def test_defect_3_entropy_bonus_cost_is_named_and_the_16k_stage_is_relieved(
    before_7b: PreflightReport, shipped_7b: PreflightReport
) -> None:
    [warned] = messages(before_7b, "grpo_16k", "entropy bonus", "warning")
    assert "entropy_coeff 0.001 keeps 3 more full-vocabulary logits copies" in warned
    assert "20.9 GiB" in warned and "24576 tokens per GPU" in warned  # 3 x 24576 x 152064 x 2 bytes
    assert not messages(shipped_7b, "grpo_16k", "entropy bonus", "warning")
    before, after = before_7b.stage("grpo_16k").gpu_memory_gib, shipped_7b.stage("grpo_16k").gpu_memory_gib
    update = [m for m in messages(shipped_7b, "grpo_16k", "GPU memory", "ok") if m.startswith("actor update")]
    assert "logits" not in update[0]  # fused kernels: no full-vocabulary logits at all
    assert "checkpointed activations 2.3" in update[0]  # 12288 tokens per GPU with Ulysses SP 2
    assert after is not None and before is not None and after <= before


def test_defect_3_on_a_smaller_gpu_the_estimate_fails_and_names_the_entropy(preflight: Preflight) -> None:
    report = preflight(BEFORE / "vision_r1_7b.yaml", ("resources.gpu_memory_gb=48",))
    [failed] = [
        f
        for f in report.stage("grpo_16k").findings
        if f.check == "GPU memory" and f.severity.value == "error" and f.message.startswith("actor update")
    ]
    assert "logits (4x) 27.8" in failed.message and "> 90% of gpu_memory_gb 48 = 43.2 GiB" in failed.message
    assert failed.fix.startswith("set entropy_coeff: 0")


def test_defect_6_no_pixel_budget_fails_and_the_budgets_reach_verl(
    before_7b: PreflightReport, shipped_7b: PreflightReport, tmp_path
) -> None:
    [sft] = messages(before_7b, "sft", "image tokens", "error")
    assert "16384 tokens, not below max_length 16384" in sft and "token/feature mismatch" in sft
    for stage in ("grpo_4k", "grpo_8k", "grpo_16k"):
        [rl] = messages(before_7b, stage, "image tokens", "error")
        assert rl.startswith("no pixel budget") and "more than max_prompt_length 4096" in rl
    assert messages(shipped_7b, "sft", "image tokens", "ok") == [
        "one image at the stage's max_pixels 589824 is at most 752 of max_length 16384"
    ]
    from vision_r1.runner import Runner

    recipe = load_recipe(SHIPPED / "vision_r1_7b.yaml", [f"run_dir={tmp_path}"])
    plans = Runner(recipe).plan_all(list(recipe.stages))
    assert (
        "+data.apply_chat_template_kwargs.processor_kwargs.max_pixels=589824"
        in plans["sft"].config["overrides"]
    )
    assert "+data.mm_processor_kwargs.min_pixels=262144" in plans["grpo_4k"].config["overrides"]


def test_defect_7_the_8k_model_is_evaluated_too() -> None:
    def evaluated(path) -> set[str]:
        recipe = load_recipe(path)
        return {stage.model.rsplit("/", 2)[-2] for stage in recipe.stages if stage.kind == "eval"}

    assert evaluated(BEFORE / "vision_r1_7b.yaml") == {"grpo_16k"}
    assert evaluated(SHIPPED / "vision_r1_7b.yaml") == {"grpo_8k", "grpo_16k"}


def test_defect_9_validation_set(
    before_7b: PreflightReport, shipped_7b: PreflightReport, preflight: Preflight
) -> None:
    [warned] = messages(before_7b, "grpo_4k", "validation set", "warning")
    assert "no held-out file: verl's validation set is the first 8 training rows" in warned
    assert messages(shipped_7b, "grpo_4k", "validation set", "ok") == [
        "held-out data/vision_r1_rl/val.parquet"
    ]
    # What the stage launched before the fix: the whole training set, no cap.
    old = preflight(BEFORE / "vision_r1_7b.yaml", verl_args=("data.val_max_samples=-1",))
    [failed] = messages(old, "grpo_4k", "validation set", "error")
    assert "verl builds its validation set from all the training rows at every start" in failed


def test_defect_10_headroom_settings_of_verls_qwen25_vl_script(preflight: Preflight) -> None:
    offload = "actor_rollout_ref.ref.fsdp_config.param_offload=True"
    for name in GPU_RECIPES:
        shipped, before = load_recipe(SHIPPED / f"{name}.yaml"), load_recipe(BEFORE / f"{name}.yaml")
        assert all(offload in stage.verl_overrides for stage in shipped.stages if stage.kind == "grpo")
        assert not any(offload in stage.verl_overrides for stage in before.stages if stage.kind == "grpo")
    # verl's script turns chunked prefill off; the preflight says what that costs without max_model_len.
    off = preflight(
        SHIPPED / "vision_r1_zero.yaml", verl_args=("actor_rollout_ref.rollout.enable_chunked_prefill=False",)
    )
    [warned] = messages(off, "grpo_4k", "token budgets", "warning")
    assert "raises vLLM's max_num_batched_tokens to max_model_len 128000" in warned
    reference = [m for m in messages(off, "grpo_4k", "GPU memory", "ok") if m.startswith("actor update")]
    assert "reference model" not in reference[0]  # offloaded to CPU, as in verl's script
