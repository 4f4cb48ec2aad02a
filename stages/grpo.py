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
    is_grpo = True
    starting = "starting verl: Ray workers, models, rollout"

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
        resources = ctx.resources
        if resources.device == "cpu":
            from vision_r1.verl_cpu.launch import cpu_ppo_overrides

            return cpu_ppo_overrides(
                resources.rollout_engine, resources.nnodes, resources.cpus_per_node, resources.ray_address
            )
        return ["actor_rollout_ref.rollout.name=vllm"]

    def run_cluster_size(self, ctx: StageContext) -> int | None:
        """On cpu without a cluster of the recipe's own, GRPO stages share one the runner starts
        (not needed by a stage whose training is done and only its merge is left)."""
        resources = ctx.resources
        if resources.device != "cpu" or resources.ray_address or self.finished_step(ctx) is not None:
            return None
        return resources.cpus_per_node

    def launch_details(self, ctx: StageContext, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The job's Ray workers get the launch's environment; with the run's cluster, join it."""
        from vision_r1.ray_cluster import auth_env
        from vision_r1.verl_cpu.launch import job_env_overrides, join_cluster_overrides

        args = job_env_overrides(env)
        if ctx.ray_cluster is not None:
            return [*args, *join_cluster_overrides(ctx.ray_cluster.address())], auth_env()
        return args, (auth_env() if ctx.resources.ray_address else {})

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
