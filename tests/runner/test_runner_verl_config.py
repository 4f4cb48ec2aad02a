"""verl config composition: what verl itself would reject fails here first, with the key named."""

from __future__ import annotations

import pytest

from stages.verl_launch import route_cli_overrides
from vision_r1.verl_config import (
    PPO_CONFIG,
    SFT_CONFIG,
    VerlConfigError,
    top_level_keys,
    validate_ppo,
    validate_sft,
)

PPO_OK = [
    "algorithm.adv_estimator=grpo",
    "data.train_files=/x.parquet",
    "data.train_batch_size=4",
    "actor_rollout_ref.model.path=/m",
    "actor_rollout_ref.rollout.n=4",
    "actor_rollout_ref.actor.ppo_mini_batch_size=4",
    "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=1",
    "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=1",
    "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=1",
    "trainer.n_gpus_per_node=1",
]


def test_valid_ppo_config_composes() -> None:
    config = validate_ppo(PPO_OK)
    assert config.algorithm.adv_estimator == "grpo"
    assert config.actor_rollout_ref.rollout.n == 4


def test_misspelled_key_is_named() -> None:
    with pytest.raises(VerlConfigError, match=r"actor_rollout_ref\.actor\.optim\.lrr"):
        validate_ppo([*PPO_OK, "actor_rollout_ref.actor.optim.lrr=1e-6"])


def test_wrong_type_is_named() -> None:
    with pytest.raises(VerlConfigError, match=r"actor_rollout_ref\.actor\.clip_ratio='abc': expected float"):
        validate_ppo([*PPO_OK, "actor_rollout_ref.actor.clip_ratio=abc"])
    with pytest.raises(VerlConfigError, match=r"optim\.lr=True: expected float"):
        validate_sft(["optim.lr=true"])


def test_verl_semantic_validation_runs() -> None:
    # verl's own check: train_batch_size * n must be divisible by the number of GPUs.
    with pytest.raises(VerlConfigError, match="verl rejected the PPO config"):
        validate_ppo(
            [*PPO_OK, "trainer.n_gpus_per_node=3", "actor_rollout_ref.rollout.n=1", "data.train_batch_size=4"]
        )


def test_cli_overrides_reach_only_the_trainers_that_have_the_section() -> None:
    args = [
        "trainer.logger=[console,wandb]",
        "actor_rollout_ref.rollout.n=2",
        "optim.lr=1e-5",
        "+trainer.extra=1",
    ]
    assert route_cli_overrides(args, top_level_keys(PPO_CONFIG)) == [args[0], args[1], args[3]]
    assert route_cli_overrides(args, top_level_keys(SFT_CONFIG)) == [args[0], args[2], args[3]]
