"""One PTST stage: GRPO with verl's `main_ppo`, our reward library as the custom reward function."""

from __future__ import annotations

from pathlib import Path

from stages.base import StageContext
from stages.dataset_check import check_stage_dataset
from stages.verl_launch import python_module
from stages.verl_training import VerlTrainingKind
from vision_r1.rewards.dispatch import NEGATE_REWARD, REWARD_OVERRIDE
from vision_r1.verl_config import PPO_CONFIG, validate_ppo

REWARD_MODULE = "pkg://vision_r1.rewards"  # verl/utils/import_utils.py load_module: pkg:// prefix


class GrpoKind(VerlTrainingKind):
    config_name = PPO_CONFIG

    def needs_vllm(self, ctx: StageContext) -> bool:
        return ctx.resources.rollout_engine == "vllm"

    def stage_overrides(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        resources = ctx.resources
        per_node = resources.gpus_per_node if resources.device == "gpu" else resources.cpus_per_node
        # verl saves at the last step only when save_freq > 0 (verl/trainer/ppo/ray_trainer.py fit()).
        save_freq = stage.save_freq if stage.save_freq > 0 else stage.steps
        actor = "actor_rollout_ref.actor"
        return [
            "algorithm.adv_estimator=grpo",
            "algorithm.use_kl_in_reward=False",
            f"data.train_files={stage.dataset}",
            f"data.val_files={stage.val_dataset or stage.dataset}",
            f"data.train_batch_size={stage.rollout_batch_size}",
            f"data.max_prompt_length={stage.max_prompt_length}",
            f"data.max_response_length={stage.max_response_length}",
            "data.filter_overlong_prompts=True",
            "data.truncation=error",
            "data.image_key=images",
            f"actor_rollout_ref.model.path={stage.model}",
            "actor_rollout_ref.model.use_remove_padding=True",
            f"{actor}.optim.lr={stage.lr}",
            f"{actor}.ppo_mini_batch_size={stage.mini_batch_size}",
            f"{actor}.ppo_micro_batch_size_per_gpu={stage.micro_batch_size_per_gpu}",
            f"{actor}.use_kl_loss={stage.kl_coef > 0}",
            f"{actor}.kl_loss_coef={stage.kl_coef}",
            f"{actor}.kl_loss_type={stage.kl_loss_type}",
            f"{actor}.clip_ratio={stage.clip_ratio}",
            f"{actor}.entropy_coeff={stage.entropy_coeff}",
            f"actor_rollout_ref.rollout.n={stage.rollout_n}",
            f"actor_rollout_ref.rollout.temperature={stage.temperature}",
            f"actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu={stage.micro_batch_size_per_gpu}",
            f"actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu={stage.micro_batch_size_per_gpu}",
            f"reward.custom_reward_function.path={REWARD_MODULE}",
            "reward.custom_reward_function.name=compute_score",
            f"trainer.total_training_steps={stage.steps}",
            f"trainer.save_freq={save_freq}",
            "trainer.test_freq=-1",
            "trainer.val_before_train=False",
            f"trainer.n_gpus_per_node={per_node}",
            *self.reward_overrides(ctx),
        ]

    def reward_overrides(self, ctx: StageContext) -> list[str]:
        kwargs = "+reward.custom_reward_function.reward_kwargs"
        overrides = [f"{kwargs}.{NEGATE_REWARD}=True"] if ctx.stage.negate_reward else []
        if ctx.stage.reward is None:
            return overrides  # every row's own extra_info["reward"] decides the kind
        return [*overrides, f"{kwargs}.{REWARD_OVERRIDE}={ctx.stage.reward}"]

    def device_overrides(self, ctx: StageContext) -> list[str]:
        if ctx.resources.device == "cpu":
            from vision_r1.verl_cpu.launch import cpu_ppo_overrides

            return cpu_ppo_overrides(ctx.resources.rollout_engine)
        return ["actor_rollout_ref.rollout.name=vllm"]

    def launcher(self, ctx: StageContext) -> list[str]:
        return python_module("verl.trainer.main_ppo", [])

    def check_dataset(self, ctx: StageContext) -> None:
        stage = ctx.stage
        length = stage.max_prompt_length + stage.max_response_length
        check_stage_dataset(stage.dataset, "rl", stage.model, stage.max_prompt_length, length)

    def validate(self, overrides: list[str]) -> None:
        validate_ppo(overrides)

    def shard_dir(self, checkpoint_dir: Path, step: int) -> Path:
        return checkpoint_dir / f"global_step_{step}" / "actor"  # ray_trainer._save_checkpoint
