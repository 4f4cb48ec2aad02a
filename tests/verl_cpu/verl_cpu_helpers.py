"""Helpers for the verl-on-CPU tests: small SFT / RL parquets with images, launching, metrics.

The data comes from the project's own writers (`vision_r1.data`): synthetic counting questions
over rendered shapes, so prompts, images and ground truths are real.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from vision_r1.data import single_turn_sft_row, write_sft_parquet, write_synth_dataset
from vision_r1.data.synth.generate import RL_TRAIN, synth_examples
from vision_r1.verl_cpu.launch import cpu_env
from vision_r1.verl_cpu.supervise import RunResult, run_supervised

TASKS = ["counting"]


def write_rl_parquet(out_dir: Path, rows: int = 8) -> Path:
    """verl RL parquet (`vision-r1 data synth` format) with `rows` training rows; returns its path."""
    write_synth_dataset(out_dir, n=rows, seed=0, val_n=2, tasks=TASKS)
    return out_dir / RL_TRAIN


def write_sft_parquet_file(path: Path, rows: int = 8) -> Path:
    """SFT parquet: each synthetic question answered in the cold-start think/answer form."""
    examples = synth_examples(seed=0, start=0, count=rows, tasks=TASKS, math_reward="hfrrf")
    write_sft_parquet(
        (
            single_turn_sft_row(
                ex.question, ex.images, thinking="I look at the shapes and count.", answer=ex.answer
            )
            for ex in examples
        ),
        path,
    )
    return path


def read_metrics(path: Path) -> dict[int, dict[str, float]]:
    """verl FileLogger jsonl -> {step: metrics}; empty if the launch logged nothing.

    Only complete lines count, so a file verl is still writing can be polled.
    """
    if not path.is_file():
        return {}
    complete = path.read_text().rpartition("\n")[0]
    return {row["step"]: row["data"] for row in map(json.loads, complete.splitlines()) if row}


def run_on_cpu(
    command: list[str],
    *,
    workdir: Path,
    name: str,
    timeout_s: float,
    stop_when: Callable[[], bool] | None = None,
) -> RunResult:
    """Launch `command` on the CPU platform; log to `workdir/name.log`, metrics to `workdir/name.jsonl`."""
    env = {**os.environ, **cpu_env(), "VERL_FILE_LOGGER_PATH": str(workdir / f"{name}.jsonl")}
    return run_supervised(
        command,
        env=env,
        log_path=workdir / f"{name}.log",
        timeout_s=timeout_s,
        cwd=workdir,
        stop_when=stop_when,
    )
