"""Wall time of verl's own trainers on CPU with the tiny Qwen2.5-VL (the CI/laptop configuration).

Launches `verl.trainer.sft_trainer` (torchrun, one rank) and `verl.trainer.main_ppo` (GRPO,
rollout.n=4, 16-token responses, `hf` rollout) exactly as the e2e tests do and reports:
- start-up: launch until the first step begins (torchrun or Ray cluster, workers, model load);
- one step: median over the steps after the first (the first carries one-off warm-up costs);
- for GRPO also the first step and the rollout (`gen`) and actor-update parts of a step.
GRPO step times are verl's own `timing_s/step`; SFT step times are the intervals between the
metric lines verl writes after each step (the SFT trainer logs no step timer).

    python benchmarks/verl_cpu.py [--steps 4] [--out DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from vision_r1.data import single_turn_sft_row, write_sft_parquet, write_synth_dataset
from vision_r1.data.synth.generate import RL_TRAIN, synth_examples
from vision_r1.rewards import __file__ as rewards_file
from vision_r1.tiny_model import build_tiny_model
from vision_r1.verl_cpu.launch import cpu_env, cpu_ppo_overrides, cpu_sft_overrides, ppo_command, sft_command
from vision_r1.verl_cpu.supervise import run_supervised

TIMEOUT_S = 900


class MetricLineClock:
    """Polled by the supervisor: records when each new metrics line of verl's FileLogger appears."""

    def __init__(self, path: Path, start: float) -> None:
        self.path, self.start, self.times = path, start, []

    def __call__(self) -> bool:
        if self.path.is_file():
            lines = self.path.read_text().count("\n")
            self.times.extend([time.monotonic() - self.start] * (lines - len(self.times)))
        return False


def _launch(command: list[str], work: Path, name: str) -> tuple[float, list[float], list[dict]]:
    metrics = work / f"{name}.jsonl"
    env = {**os.environ, **cpu_env(), "VERL_FILE_LOGGER_PATH": str(metrics)}
    clock = MetricLineClock(metrics, time.monotonic())
    result = run_supervised(
        command,
        env=env,
        log_path=work / f"{name}.log",
        timeout_s=TIMEOUT_S,
        cwd=work,
        stop_when=clock,
        poll_s=0.1,
    )
    if result.returncode != 0:
        sys.exit(f"{name} failed (rc {result.returncode}); log: {result.log_path}\n{result.log_tail()}")
    clock()
    rows = [json.loads(line)["data"] for line in metrics.read_text().splitlines()]
    return result.seconds, clock.times, rows


def bench_sft(model: Path, work: Path, steps: int) -> dict[str, float]:
    data = work / "sft.parquet"
    examples = synth_examples(seed=0, start=0, count=4 * steps, tasks=["counting"], math_reward="hfrrf")
    write_sft_parquet(
        (single_turn_sft_row(e.question, e.images, "I count.", e.answer) for e in examples), data
    )
    overrides = [
        *cpu_sft_overrides(),
        f"data.train_files={data}", "data.val_files=null", "data.train_batch_size=4",
        "data.micro_batch_size_per_gpu=2", "data.max_length=512", "data.use_dynamic_bsz=False",
        f"model.path={model}", f"trainer.total_training_steps={steps}", "trainer.save_freq=-1",
        "trainer.test_freq=-1", "trainer.logger=[console,file]", f"trainer.default_local_dir={work / 'sft-ckpt'}",
    ]  # fmt: skip
    total, seen, _ = _launch(sft_command(overrides), work, "sft")
    step = statistics.median(b - a for a, b in itertools.pairwise(seen))
    # The first step's end is the first metrics line; its start is estimated with the median step.
    return {"total": total, "start-up": seen[0] - step, "step": step}


def bench_grpo(model: Path, work: Path, steps: int) -> dict[str, float]:
    write_synth_dataset(work / "rl", n=2 * steps, seed=0, val_n=2, tasks=["counting"])
    overrides = [
        *cpu_ppo_overrides(),
        "algorithm.adv_estimator=grpo", f"data.train_files={work / 'rl' / RL_TRAIN}",
        f"data.val_files={work / 'rl' / RL_TRAIN}", "data.train_batch_size=2", "data.max_prompt_length=256",
        "data.max_response_length=16", f"actor_rollout_ref.model.path={model}",
        "actor_rollout_ref.actor.ppo_mini_batch_size=2", "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8",
        "actor_rollout_ref.actor.use_kl_loss=True", "actor_rollout_ref.rollout.n=4",
        "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=8",
        "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=8",
        f"reward.custom_reward_function.path={rewards_file}", "reward.custom_reward_function.name=compute_score",
        f"trainer.total_training_steps={steps}", "trainer.save_freq=-1", "trainer.test_freq=-1",
        "trainer.val_before_train=False", "trainer.logger=[console,file]",
        f"trainer.default_local_dir={work / 'grpo-ckpt'}",
    ]  # fmt: skip
    total, seen, rows = _launch(ppo_command(overrides), work, "grpo")
    step_times = [row["timing_s/step"] for row in rows]
    phases = {
        key: statistics.median(row[f"timing_s/{key}"] for row in rows[1:]) for key in ("gen", "update_actor")
    }
    return {
        "total": total,
        "start-up": seen[0] - step_times[0],
        "first step": step_times[0],
        "step": statistics.median(step_times[1:]),
        **{f"step: {key}": value for key, value in phases.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="training steps per trainer (at least 2)")
    parser.add_argument("--out", type=Path, default=None, help="keep logs here (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.out or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        model = build_tiny_model(work / "tiny-model", seed=0)
        results = {"SFT": bench_sft(model, work, args.steps), "GRPO": bench_grpo(model, work, args.steps)}
    print(f"verl on CPU, tiny Qwen2.5-VL, {os.cpu_count()} cores, {args.steps} steps per trainer")
    print(f"{'trainer':<6} {'measure':<20} {'seconds':>8}")
    for trainer, figures in results.items():
        for measure, seconds in figures.items():
            print(f"{trainer:<6} {measure:<20} {seconds:8.1f}")


if __name__ == "__main__":
    main()
