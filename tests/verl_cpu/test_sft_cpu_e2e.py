"""verl's own SFT trainer on CPU: trains the tiny Qwen2.5-VL on images, checkpoints, resumes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from verl_cpu_helpers import read_metrics, run_on_cpu

from vision_r1.verl_cpu.launch import cpu_sft_overrides, sft_command

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _sft_overrides(model_dir: Path, data: Path, ckpt_dir: Path, total_steps: int) -> list[str]:
    return [
        *cpu_sft_overrides(),
        f"data.train_files={data}",
        "data.val_files=null",
        "data.train_batch_size=4",
        "data.micro_batch_size_per_gpu=2",
        "data.max_length=512",
        "data.use_dynamic_bsz=False",
        f"model.path={model_dir}",
        f"trainer.total_training_steps={total_steps}",
        "trainer.save_freq=2",
        "trainer.test_freq=-1",
        "trainer.logger=[console,file]",
        "trainer.resume_mode=auto",
        f"trainer.default_local_dir={ckpt_dir}",
        "trainer.project_name=vision-r1-test",
        "trainer.experiment_name=sft-cpu",
    ]


@pytest.mark.timeout(300)
def test_sft_trains_checkpoints_and_resumes(tiny_model_dir: Path, sft_parquet: Path, tmp_path: Path) -> None:
    ckpt_dir = tmp_path / "ckpt"
    first = run_on_cpu(
        sft_command(_sft_overrides(tiny_model_dir, sft_parquet, ckpt_dir, total_steps=2)),
        workdir=tmp_path,
        name="first",
        timeout_s=120,
    )
    assert first.returncode == 0, first.log_tail()
    metrics = read_metrics(tmp_path / "first.jsonl")
    assert sorted(metrics) == [1, 2]
    assert all(math.isfinite(m["train/loss"]) and m["train/loss"] > 0 for m in metrics.values())
    assert all(math.isfinite(m["train/grad_norm"]) for m in metrics.values())
    assert (ckpt_dir / "latest_checkpointed_iteration.txt").read_text().strip() == "2"
    assert (ckpt_dir / "global_step_2" / "model_world_size_1_rank_0.pt").is_file()

    resumed = run_on_cpu(
        sft_command(_sft_overrides(tiny_model_dir, sft_parquet, ckpt_dir, total_steps=3)),
        workdir=tmp_path,
        name="resumed",
        timeout_s=120,
    )
    assert resumed.returncode == 0, resumed.log_tail()
    assert sorted(read_metrics(tmp_path / "resumed.jsonl")) == [3]  # continues after step 2, not from 1
    assert (ckpt_dir / "latest_checkpointed_iteration.txt").read_text().strip() == "3"
