"""verl's own PPO trainer running GRPO on CPU with images, a custom reward, kill + resume, and merge.

The reward is the project's `vision_r1.rewards.compute_score` (HFRRF for these rows). One GRPO run
is shared by the tests (each launch costs a Ray start-up on a 2-core box): launch A
is killed right after its first checkpoint, launch B resumes it with `trainer.resume_mode=auto`
and finishes step 3; the merged step-3 checkpoint must load and generate.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from verl_cpu_helpers import read_metrics, run_on_cpu

import vision_r1.rewards
from vision_r1.tiny_model.smoke import smoke_generate
from vision_r1.verl_cpu.launch import cpu_ppo_overrides, ppo_command
from vision_r1.verl_cpu.supervise import RunResult

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOTAL_STEPS = 3
ROLLOUT_N = 4
RESPONSE_LENGTH = 16


@dataclass(frozen=True)
class GrpoRun:
    killed: RunResult
    resumed: RunResult
    killed_metrics: dict[int, dict[str, float]]
    resumed_metrics: dict[int, dict[str, float]]
    checkpoint_at_kill: int
    ckpt_dir: Path


def _grpo_overrides(model_dir: Path, data: Path, ckpt_dir: Path) -> list[str]:
    return [
        *cpu_ppo_overrides(),
        "algorithm.adv_estimator=grpo",
        f"data.train_files={data}",
        f"data.val_files={data}",
        "data.train_batch_size=2",
        "data.max_prompt_length=256",
        f"data.max_response_length={RESPONSE_LENGTH}",
        f"actor_rollout_ref.model.path={model_dir}",
        "actor_rollout_ref.actor.ppo_mini_batch_size=2",
        f"actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu={2 * ROLLOUT_N}",
        "actor_rollout_ref.actor.use_kl_loss=True",
        "actor_rollout_ref.actor.kl_loss_type=low_var_kl",
        "actor_rollout_ref.actor.optim.lr=1e-3",
        # The random tiny model rarely earns a reward, so GRPO advantages are mostly 0; the entropy
        # bonus guarantees a gradient, making "weights change" a check of the update path itself.
        "actor_rollout_ref.actor.entropy_coeff=0.01",
        f"actor_rollout_ref.rollout.n={ROLLOUT_N}",
        "actor_rollout_ref.rollout.calculate_log_probs=True",
        f"actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu={2 * ROLLOUT_N}",
        f"actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu={2 * ROLLOUT_N}",
        f"reward.custom_reward_function.path={Path(vision_r1.rewards.__file__)}",
        "reward.custom_reward_function.name=compute_score",
        f"trainer.total_training_steps={TOTAL_STEPS}",
        "trainer.save_freq=1",
        "trainer.test_freq=-1",
        "trainer.val_before_train=False",
        "trainer.resume_mode=auto",
        "trainer.logger=[console,file]",
        f"trainer.default_local_dir={ckpt_dir}",
        "trainer.project_name=vision-r1-test",
        "trainer.experiment_name=grpo-cpu",
    ]


@pytest.fixture(scope="module")
def grpo_run(tiny_model_dir: Path, rl_parquet: Path, tmp_path_factory: pytest.TempPathFactory) -> GrpoRun:
    work = tmp_path_factory.mktemp("grpo")
    ckpt_dir = work / "ckpt"
    command = ppo_command(_grpo_overrides(tiny_model_dir, rl_parquet, ckpt_dir))
    tracker = ckpt_dir / "latest_checkpointed_iteration.txt"

    killed = run_on_cpu(
        command,
        workdir=work,
        name="killed",
        timeout_s=240,
        # verl saves a step's checkpoint before it logs the step's metrics: wait for both.
        stop_when=lambda: tracker.is_file() and 1 in read_metrics(work / "killed.jsonl"),
    )
    checkpoint_at_kill = int(tracker.read_text().strip()) if tracker.is_file() else 0
    resumed = run_on_cpu(command, workdir=work, name="resumed", timeout_s=240)
    return GrpoRun(
        killed=killed,
        resumed=resumed,
        killed_metrics=read_metrics(work / "killed.jsonl"),
        resumed_metrics=read_metrics(work / "resumed.jsonl"),
        checkpoint_at_kill=checkpoint_at_kill,
        ckpt_dir=ckpt_dir,
    )


@pytest.mark.timeout(600)
def test_killed_grpo_run_resumes_from_its_checkpoint(grpo_run: GrpoRun) -> None:
    assert grpo_run.killed.stopped, grpo_run.killed.log_tail()  # SIGKILLed right after a checkpoint
    saved = grpo_run.checkpoint_at_kill
    assert 1 <= saved < TOTAL_STEPS
    assert 1 in grpo_run.killed_metrics
    assert grpo_run.resumed.returncode == 0, grpo_run.resumed.log_tail()
    # Picks up after the last checkpoint, not from scratch, and finishes the run.
    assert sorted(grpo_run.resumed_metrics) == list(range(saved + 1, TOTAL_STEPS + 1))
    assert (grpo_run.ckpt_dir / "latest_checkpointed_iteration.txt").read_text().strip() == str(TOTAL_STEPS)


@pytest.mark.timeout(600)
def test_grpo_logs_rewards_lengths_and_finite_losses(grpo_run: GrpoRun) -> None:
    steps = {**grpo_run.killed_metrics, **grpo_run.resumed_metrics}
    assert sorted(steps) == list(range(1, TOTAL_STEPS + 1))
    for metrics in steps.values():
        assert 0.0 <= metrics["critic/rewards/mean"] <= 1.0
        assert 1 <= metrics["response_length/mean"] <= RESPONSE_LENGTH
        for key in ("actor/pg_loss", "actor/kl_loss", "actor/grad_norm", "actor/entropy"):
            assert math.isfinite(metrics[key]), key
        # The rollout's log-probs (transformers generate) match the FSDP actor's recomputation:
        # the weights synced after each step and the image/M-RoPE inputs agree.
        assert metrics["training/rollout_probs_diff_mean"] < 1e-2
        assert abs(metrics["rollout_corr/kl"]) < 1e-2
    assert steps[1]["actor/kl_loss"] == pytest.approx(0.0, abs=1e-6)  # policy == reference at step 1
    assert steps[3]["actor/kl_loss"] > 0.0  # the policy has moved away from the reference


@pytest.mark.timeout(600)
def test_merged_grpo_checkpoint_loads_generates_and_has_new_weights(
    grpo_run: GrpoRun, tiny_model_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "merged"
    merge = run_on_cpu(
        [
            sys.executable,
            "-m",
            "verl.model_merger",
            "merge",
            "--backend",
            "fsdp",
            "--local_dir",
            str(grpo_run.ckpt_dir / f"global_step_{TOTAL_STEPS}" / "actor"),
            "--target_dir",
            str(target),
        ],
        workdir=tmp_path,
        name="merge",
        timeout_s=120,
    )
    assert merge.returncode == 0, merge.log_tail()
    assert isinstance(smoke_generate(target, max_new_tokens=8), str)
    before = load_file(tiny_model_dir / "model.safetensors")
    after = load_file(target / "model.safetensors")
    assert before.keys() == after.keys()
    changed = [name for name in before if not torch.equal(before[name], after[name].to(before[name].dtype))]
    assert len(changed) > len(before) // 2, f"only {len(changed)} of {len(before)} tensors changed"
