"""Wall time and memory of verl's own trainers on CPU with the tiny Qwen2.5-VL (the CI/laptop setup).

Launches `verl.trainer.sft_trainer` (torchrun, one rank) and `verl.trainer.main_ppo` (GRPO,
rollout.n=4, 16-token responses) once per rollout engine (`hf`: transformers; `vllm`: verl's vLLM
rollout on vLLM's CPU build) exactly as the e2e tests do and reports:
- start-up: launch until the first step begins (torchrun or Ray cluster, workers, model load, and
  for vllm the inference server);
- one step: median over the steps after the first (the first carries one-off warm-up costs);
- for GRPO also the first step and the rollout (`gen`) and actor-update parts of a step, verl's
  rollout-vs-actor log-prob mismatch (`rollout_corr/kl`, largest |value| over the steps) and the
  peak memory of the whole launch: the sum of PSS (proportional set size, so libraries shared by
  the Ray processes count once) over every process carrying the launch's marker, sampled every 0.1 s.
GRPO step times are verl's own `timing_s/step`; SFT step times are the intervals between the
metric lines verl writes after each step (the SFT trainer logs no step timer).

    python benchmarks/verl_cpu.py [--steps 4] [--rollouts hf,vllm] [--out DIR]
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
from vision_r1.orphans import marked_processes
from vision_r1.rewards import __file__ as rewards_file
from vision_r1.tiny_model import build_tiny_model
from vision_r1.verl_cpu.launch import cpu_env, cpu_ppo_overrides, cpu_sft_overrides, ppo_command, sft_command
from vision_r1.verl_cpu.supervise import run_supervised

TIMEOUT_S = 900


def _pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass  # the process ended meanwhile
    return 0


class LaunchProbe:
    """Polled by the supervisor: when each new metrics line of verl's FileLogger appears, and the
    launch's peak memory (PSS summed over its processes)."""

    def __init__(self, path: Path, start: float, marker: str) -> None:
        self.path, self.start, self.marker = path, start, marker
        self.times: list[float] = []
        self.peak_bytes = 0

    def __call__(self) -> bool:
        if self.path.is_file():
            lines = self.path.read_text().count("\n")
            self.times.extend([time.monotonic() - self.start] * (lines - len(self.times)))
        in_use = sum(_pss_bytes(pid) for pid in marked_processes(self.marker))
        self.peak_bytes = max(self.peak_bytes, in_use)
        return False


def _launch(command: list[str], work: Path, name: str) -> tuple[float, LaunchProbe, list[dict]]:
    metrics = work / f"{name}.jsonl"
    env = {**os.environ, **cpu_env(), "VERL_FILE_LOGGER_PATH": str(metrics)}
    marker = f"bench-{name}-{os.getpid()}"
    probe = LaunchProbe(metrics, time.monotonic(), marker)
    result = run_supervised(
        command,
        env=env,
        log_path=work / f"{name}.log",
        timeout_s=TIMEOUT_S,
        cwd=work,
        stop_when=probe,
        poll_s=0.1,
        marker=marker,
    )
    if result.returncode != 0:
        sys.exit(f"{name} failed (rc {result.returncode}); log: {result.log_path}\n{result.log_tail()}")
    probe()
    rows = [json.loads(line)["data"] for line in metrics.read_text().splitlines()]
    return result.seconds, probe, rows


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
    total, probe, _ = _launch(sft_command(overrides), work, "sft")
    step = statistics.median(b - a for a, b in itertools.pairwise(probe.times))
    # The first step's end is the first metrics line; its start is estimated with the median step.
    return {
        "total s": total,
        "start-up s": probe.times[0] - step,
        "step s": step,
        "peak memory GiB": probe.peak_bytes / 2**30,
    }


def bench_grpo(model: Path, work: Path, steps: int, rollout: str) -> dict[str, float]:
    if not (work / "rl").exists():
        write_synth_dataset(work / "rl", n=2 * steps, seed=0, val_n=2, tasks=["counting"])
    overrides = [
        *cpu_ppo_overrides(rollout),
        "algorithm.adv_estimator=grpo", f"data.train_files={work / 'rl' / RL_TRAIN}",
        f"data.val_files={work / 'rl' / RL_TRAIN}", "data.train_batch_size=2", "data.max_prompt_length=256",
        "data.max_response_length=16", f"actor_rollout_ref.model.path={model}",
        "actor_rollout_ref.actor.ppo_mini_batch_size=2", "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8",
        "actor_rollout_ref.actor.use_kl_loss=True", "actor_rollout_ref.rollout.n=4",
        "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=8",
        "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=8",
        "actor_rollout_ref.rollout.calculate_log_probs=True",
        f"reward.custom_reward_function.path={rewards_file}", "reward.custom_reward_function.name=compute_score",
        f"trainer.total_training_steps={steps}", "trainer.save_freq=-1", "trainer.test_freq=-1",
        "trainer.val_before_train=False", "trainer.logger=[console,file]",
        f"trainer.default_local_dir={work / f'grpo-{rollout}-ckpt'}",
    ]  # fmt: skip
    total, probe, rows = _launch(ppo_command(overrides), work, f"grpo-{rollout}")
    step_times = [row["timing_s/step"] for row in rows]
    phases = {
        key: statistics.median(row[f"timing_s/{key}"] for row in rows[1:]) for key in ("gen", "update_actor")
    }
    return {
        "total s": total,
        "start-up s": probe.times[0] - step_times[0],
        "first step s": step_times[0],
        "step s": statistics.median(step_times[1:]),
        **{f"step: {key} s": value for key, value in phases.items()},
        "peak memory GiB": probe.peak_bytes / 2**30,
        "max |rollout_corr/kl|": max(abs(row["rollout_corr/kl"]) for row in rows),
        "max rollout_probs_diff_mean": max(row["training/rollout_probs_diff_mean"] for row in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="training steps per trainer (at least 2)")
    parser.add_argument("--rollouts", default="hf,vllm", help="GRPO rollout engines to time (hf, vllm)")
    parser.add_argument("--out", type=Path, default=None, help="keep logs here (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.out or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        model = build_tiny_model(work / "tiny-model", seed=0)
        results = {"SFT": bench_sft(model, work, args.steps)}
        for rollout in args.rollouts.split(","):
            results[f"GRPO {rollout}"] = bench_grpo(model, work, args.steps, rollout)
    print(f"verl on CPU, tiny Qwen2.5-VL, {os.cpu_count()} cores, {args.steps} steps per trainer")
    print(f"{'trainer':<10} {'measure':<28} {'value':>8}")
    for trainer, figures in results.items():
        for measure, value in figures.items():
            shown = f"{value:8.1e}" if "rollout" in measure else f"{value:8.1f}"
            print(f"{trainer:<10} {measure:<28} {shown}")


if __name__ == "__main__":
    main()
