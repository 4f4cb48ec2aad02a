"""One PTST stage: GRPO with verl's `main_ppo`, our reward library as the custom reward function."""

from __future__ import annotations

from pathlib import Path

from stages.base import StageContext
from stages.dataset_check import check_stage_dataset, pixel_budget
from stages.verl_launch import pixel_budget_overrides, python_module
from stages.verl_training import VerlTrainingKind
from vision_r1.rewards.dispatch import NEGATE_REWARD, REWARD_OVERRIDE
from vision_r1.verl_config import PPO_CONFIG, validate_ppo

REWARD_MODULE = "pkg://vision_r1.rewards"  # verl/utils/import_utils.py load_module: pkg:// prefix
# Without a held-out file verl still builds (and length-filters) a validation set at every start,
# although validation is off; this many training rows keep that cheap.
VALIDATION_ROWS_WITHOUT_HELD_OUT = 8


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
            *self.validation_overrides(ctx),
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
            # verl's loop also ends after total_epochs epochs (default 30), which a small set reaches
            # before the last step (trainer_base.fit); every epoch holds at least one step.
            f"trainer.total_epochs={stage.steps}",
            f"trainer.save_freq={save_freq}",
            # Resume needs only the latest checkpoint (~12 bytes per parameter); verl keeps the previous
            # one until the new one is written (checkpoint_manager.register_checkpoint).
            "trainer.max_actor_ckpt_to_keep=1",
            "trainer.test_freq=-1",
            "trainer.val_before_train=False",
            f"trainer.n_gpus_per_node={per_node}",
            *self.reward_overrides(ctx),
            *pixel_budget_overrides(stage, "data.mm_processor_kwargs"),
            *([f"{actor}.optim.lr_warmup_steps={stage.warmup_steps}"] if stage.warmup_steps else []),
        ]

    def validation_overrides(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        if stage.val_dataset:
            return [f"data.val_files={stage.val_dataset}"]
        return [f"data.val_files={stage.dataset}", f"data.val_max_samples={VALIDATION_ROWS_WITHOUT_HELD_OUT}"]

    def reward_overrides(self, ctx: StageContext) -> list[str]:
        kwargs = "+reward.custom_reward_function.reward_kwargs"
        overrides = [f"{kwargs}.{NEGATE_REWARD}=True"] if ctx.stage.negate_reward else []
        if ctx.stage.reward is None:
            return overrides  # every row's own extra_info["reward"] decides the kind
        return [*overrides, f"{kwargs}.{REWARD_OVERRIDE}={ctx.stage.reward}"]

    def device_overrides(self, ctx: StageContext) -> list[str]:
        if ctx.resources.device == "cpu":
            from vision_r1.verl_cpu.launch import cpu_ppo_overrides

            overrides = cpu_ppo_overrides(ctx.resources.rollout_engine)
            return (
                join_cluster(overrides, ctx.resources.ray_address) if ctx.resources.ray_address else overrides
            )
        return ["actor_rollout_ref.rollout.name=vllm"]

    def worker_env_overrides(self, ctx: StageContext, env: dict[str, str]) -> list[str]:
        """On a joined Ray cluster the workers (where verl's file logger runs) get the launcher's
        environment only through Ray's runtime env; a local cluster inherits it."""
        if not ctx.resources.ray_address:
            return []
        return [f"+ray_kwargs.ray_init.runtime_env.env_vars.{key}='{value}'" for key, value in env.items()]

    def launcher(self, ctx: StageContext) -> list[str]:
        return python_module("verl.trainer.main_ppo", [])

    def check_dataset(self, ctx: StageContext) -> str:
        stage = ctx.stage
        length = stage.max_prompt_length + stage.max_response_length
        return check_stage_dataset(
            stage.dataset, "rl", stage.model, stage.max_prompt_length, length, pixel_budget(stage)
        )

    def validate(self, overrides: list[str]) -> None:
        validate_ppo(overrides)

    def shard_dir(self, checkpoint_dir: Path, step: int) -> Path:
        return checkpoint_dir / f"global_step_{step}" / "actor"  # ray_trainer._save_checkpoint


def join_cluster(overrides: list[str], address: str) -> list[str]:
    """CPU overrides that join the Ray cluster at `address` instead of starting a fresh local one.

    Ray refuses a CPU count when connecting to an existing cluster, so the slot count (the
    cluster's own) is dropped; the plugin's environment still reaches the job's workers through
    the runtime env. Saves a local Ray start-up (~15 s) per stage, e.g. for several CPU runs in a row.
    """
    joined = []
    for text in overrides:
        if text.startswith("ray_kwargs.ray_init.num_cpus="):
            text = "ray_kwargs.ray_init.num_cpus=null"
        elif text == "+ray_kwargs.ray_init.address=local":
            text = f"+ray_kwargs.ray_init.address={address}"
        joined.append(text)
    return joined
