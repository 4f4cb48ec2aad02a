"""Wall time of the README's main job, `vision-r1 run recipes/tiny.yaml`, per stage and in total.

    python benchmarks/tiny_recipe.py [--rollout hf|vllm] [--run-dir DIR] [--keep]

Issue #15 targets under 3 minutes on 2 CPU cores for the whole chain (tiny model, synthetic data,
cold start, SFT, three PTST GRPO stages through verl on one shared Ray cluster, eval). The run goes
to a fresh directory so nothing is skipped; per-stage times come from the run's own `state.json`,
read the way `vision-r1 report` reads it; "before stages" is planning (every verl config composed
and validated) plus start-up. Each GRPO stage is split into verl's own training steps (the sum
of its `timing_s/step`, checkpoints included; verl's SFT trainer logs no step time), the merge into
an HF model (from the merge command's line in the stage log), and the rest: verl's start-up (its
driver and Ray actors, each a process importing verl) and exit. The machine's load average before
and after is printed with the result, since on a shared machine it moves the figure more than
anything in the code does. The number of lines the run printed (the terminal output a user sees)
is reported too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from vision_r1.process import logged_commands
from vision_r1.report.run_data import StageData, load_run

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "tiny.yaml"
TARGET_S = 180


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def verl_split(run_dir: Path, stage: StageData) -> str:
    """How a GRPO stage's time divides: training steps, start-up and exit, merge ("" for other stages)."""
    steps = sum(value for _, value in stage.metrics.get("timing_s/step", []))
    log = run_dir / stage.name / "log.txt"
    if not steps or stage.started_at is None or stage.finished_at is None or not log.is_file():
        return ""
    merges = [
        start
        for start, command in logged_commands(log.read_text(errors="replace"))
        if "verl.model_merger" in command
    ]
    if not merges:
        return ""
    merge_start = merges[-1]
    training = (merge_start - stage.started_at).total_seconds()
    merge = (stage.finished_at - merge_start).total_seconds()
    return f"  steps {steps:3.0f} s, start-up and exit {training - steps:3.0f} s, merge {merge:2.0f} s"


def run_recipe(run_dir: Path, rollout: str) -> tuple[float, datetime, str]:
    """(seconds, start time, what the run printed)."""
    started_at = datetime.now().astimezone()
    start = time.perf_counter()
    command = [
        sys.executable, "-m", "vision_r1.cli", "run", str(RECIPE), f"run_dir={run_dir}",
        f"resources.rollout={rollout}",
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit(f"the tiny recipe failed (exit {completed.returncode}); run dir {run_dir}")
    return elapsed, started_at, completed.stdout + completed.stderr


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run-dir", type=Path, help="where to run (must not exist); default: a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the temporary run dir")
    parser.add_argument("--rollout", choices=("hf", "vllm"), default="hf", help="GRPO rollout engine")
    args = parser.parse_args()
    parent = Path(tempfile.mkdtemp(prefix="tiny-recipe-bench-"))
    run_dir = args.run_dir or parent / "tiny"
    if run_dir.exists():
        raise SystemExit(f"{run_dir} exists; the benchmark needs a fresh run dir")
    try:
        load_before = load_average()
        total, started_at, printed = run_recipe(run_dir, args.rollout)
        stages = load_run(run_dir).stages
        print(f"cores: {os.cpu_count()}, rollout: {args.rollout}")
        print(f"load average (1/5/15 min) before: {load_before}, after: {load_average()}")
        first_start = min(stage.started_at for stage in stages if stage.started_at is not None)
        print(f"  {'before stages':<12} {'':<11} {(first_start - started_at).total_seconds():7.0f} s")
        for stage in stages:
            print(
                f"  {stage.name:<12} {stage.kind:<11} {stage.duration_s:7.0f} s{verl_split(run_dir, stage)}"
            )
        verdict = "within" if total < TARGET_S else "OVER"
        print(f"tiny recipe end to end: {total:.0f} s ({verdict} the {TARGET_S} s target)")
        print(f"terminal output: {len(printed.splitlines())} lines")
    finally:
        if not args.keep and args.run_dir is None:
            shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    main()
