"""Cold-start SFT: verl's `sft_trainer` under torchrun on the cold-start set (messages + images)."""

from __future__ import annotations

import sys
from pathlib import Path

from stages.base import StageContext
from stages.dataset_check import check_stage_dataset, pixel_budget
from stages.verl_launch import pixel_budget_overrides
from stages.verl_training import VerlTrainingKind
from vision_r1.verl_config import SFT_CONFIG, validate_sft


class SftKind(VerlTrainingKind):
    config_name = SFT_CONFIG

    def stage_overrides(self, ctx: StageContext) -> list[str]:
        stage = ctx.stage
        resources = ctx.resources
        steps = "null" if stage.steps is None else str(stage.steps)
        return [
            f"model.path={stage.model}",
            # Multimodal SFT needs packed sequences (verl's MultiTurnSFTDataset: pad_mode no_padding).
            "model.use_remove_padding=True",
            f"data.train_files={stage.dataset}",
            f"data.val_files={stage.val_dataset or 'null'}",
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

            return cpu_sft_overrides()
        return []

    def launcher(self, ctx: StageContext) -> list[str]:
        resources = ctx.resources
        per_node = resources.gpus_per_node if resources.device == "gpu" else resources.cpus_per_node
        torchrun = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={per_node}"]
        if resources.nnodes > 1:
            endpoint = resources.rdzv_endpoint or "${MASTER_ADDR}:29500"
            torchrun += [f"--nnodes={resources.nnodes}", "--rdzv_backend=c10d", f"--rdzv_endpoint={endpoint}"]
        else:
            torchrun += ["--standalone", "--nnodes=1"]
        return [*torchrun, "-m", "verl.trainer.sft_trainer"]

    def check_dataset(self, ctx: StageContext) -> str:
        stage = ctx.stage
        return check_stage_dataset(
            stage.dataset, "sft", stage.model, stage.max_length, stage.max_length, pixel_budget(stage)
        )

    def validate(self, overrides: list[str]) -> None:
        validate_sft(overrides)

    def shard_dir(self, checkpoint_dir: Path, step: int) -> Path:
        return checkpoint_dir / f"global_step_{step}"  # verl/utils/checkpoint/checkpoint_handler.py
