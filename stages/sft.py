"""Cold-start SFT: verl's `sft_trainer` under torchrun on the cold-start set (messages + images).

verl reads the set whole into every rank, so the launch trains on a copy whose images are files in
the stage folder (`vision_r1.data.sft_images`: a rank holds the conversations only).
"""

from __future__ import annotations

import sys
from pathlib import Path

from stages.base import StageContext
from stages.dataset_check import check_stage_dataset, pixel_budget
from stages.verl_launch import LAUNCH_ENV, device_env, pixel_budget_overrides
from stages.verl_training import VerlTrainingKind
from vision_r1.verl_config import SFT_CONFIG, validate_sft

DATA_DIR = "data"
IMAGE_DIR = f"{DATA_DIR}/images"


def training_copy(ctx: StageContext, split: str) -> Path:
    """Where the launch reads the `train` / `val` set from: the recipe's file with its images as files."""
    return ctx.stage_dir / DATA_DIR / f"{split}.parquet"


class SftKind(VerlTrainingKind):
    config_name = SFT_CONFIG
    is_grpo = False
    starting = "starting verl: torchrun, model"

    def stage_overrides(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        resources = ctx.resources
        steps = "null" if stage.steps is None else str(stage.steps)
        return [
            f"model.path={stage.model}",
            # Multimodal SFT needs packed sequences (verl's MultiTurnSFTDataset: pad_mode no_padding).
            "model.use_remove_padding=True",
            f"data.train_files={training_copy(ctx, 'train')}",
            f"data.val_files={training_copy(ctx, 'val') if stage.val_dataset else 'null'}",
            "data.messages_key=messages",
            "data.pad_mode=no_padding",
            f"data.max_length={stage.max_length}",
            f"data.max_token_len_per_gpu={stage.max_length}",
            # LLaMA-Factory's cutoff semantics (the paper's SFT): cut over-long samples, do not crash.
            "data.truncation=right",
            f"data.train_batch_size={stage.global_batch_size}",
            f"data.micro_batch_size_per_gpu={stage.micro_batch_size_per_gpu}",
            f"optim.lr={stage.lr}",
            f"optim.lr_warmup_steps_ratio={stage.warmup_ratio}",
            f"optim.lr_scheduler_type={stage.lr_scheduler}",
            f"trainer.total_epochs={stage.epochs}",
            f"trainer.total_training_steps={steps}",
            f"trainer.save_freq={stage.save_freq}",
            # Resume needs only the latest checkpoint; verl keeps the previous one until the new one is written.
            "trainer.max_ckpt_to_keep=1",
            *pixel_budget_overrides(stage, "data.apply_chat_template_kwargs.processor_kwargs"),
            f"trainer.n_gpus_per_node={resources.gpus_per_node if resources.device == 'gpu' else resources.cpus_per_node}",
        ]

    def device_overrides(self, ctx: StageContext) -> list[str]:
        if ctx.resources.device == "cpu":
            from vision_r1.verl_cpu.launch import cpu_sft_overrides

            return cpu_sft_overrides(ctx.resources.nnodes, ctx.resources.cpus_per_node)
        return []

    def launcher(self, ctx: StageContext) -> list[str]:
        """torchrun on this node, or (several nodes) one torchrun launcher per node of the recipe's Ray
        cluster, placed there by `vision_r1.node_launch`."""
        resources = ctx.resources
        per_node = resources.gpus_per_node if resources.device == "gpu" else resources.cpus_per_node
        script = ["-m", "verl.trainer.sft_trainer"]
        if resources.nnodes == 1:
            return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1",
                    f"--nproc_per_node={per_node}", *script]  # fmt: skip
        assert resources.ray_address is not None  # the schema requires it for nnodes > 1
        launch = [sys.executable, "-m", "vision_r1.node_launch", "--address", resources.ray_address,
                  f"--nnodes={resources.nnodes}", f"--nproc-per-node={per_node}"]  # fmt: skip
        if resources.rdzv_endpoint:
            launch.append(f"--rdzv-endpoint={resources.rdzv_endpoint}")
        for name in (*device_env(resources), *LAUNCH_ENV):
            launch.append(f"--forward-env={name}")
        return [*launch, "--", *script]

    def check_dataset(self, ctx: StageContext) -> str:
        stage = ctx.stage
        return check_stage_dataset(
            stage.dataset, "sft", stage.model, stage.max_length, stage.max_length, pixel_budget(stage)
        )

    def prepare_data(self, ctx: StageContext) -> list[str]:
        from vision_r1.data.sft_images import images_to_files

        stage = ctx.stage
        lines = []
        for split, source in (("train", stage.dataset), ("val", stage.val_dataset)):
            if source:
                made = images_to_files(source, training_copy(ctx, split), ctx.stage_dir / IMAGE_DIR)
                lines.append(
                    f"{split} set {source}: {made.rows} rows, {made.images} images as files in "
                    f"{ctx.stage_dir / IMAGE_DIR} ({made.files_written} written now)"
                )
        return lines

    def validate(self, overrides: list[str]) -> None:
        validate_sft(overrides)

    def shard_dir(self, checkpoint_dir: Path, step: int) -> Path:
        return checkpoint_dir / f"global_step_{step}"  # verl/utils/checkpoint/checkpoint_handler.py
