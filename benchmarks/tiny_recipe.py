"""Wall time of the README's main job, `vision-r1 run recipes/tiny.yaml`, per stage and in total.

    python benchmarks/tiny_recipe.py [--rollout hf|vllm] [--run-dir DIR] [--keep]

Issue #15 targets under 3 minutes on 2 CPU cores for the whole chain (tiny model, synthetic data,
cold start, SFT, three PTST GRPO stages through verl on one shared Ray cluster, eval). The run goes
to a fresh directory so nothing is skipped; per-stage times come from the run's own `state.json`,
read the way `vision-r1 report` reads it; "before stages" is planning (every verl config composed
and validated) plus start-up. The machine's load average before and after is printed with the
result, since on a shared machine it moves the figure more than anything in the code does. The
number of lines the run printed (the terminal output a user sees) is reported too.
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

from vision_r1.report.run_data import load_run

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "tiny.yaml"
TARGET_S = 180


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


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
            print(f"  {stage.name:<12} {stage.kind:<11} {stage.duration_s:7.0f} s")
        verdict = "within" if total < TARGET_S else "OVER"
        print(f"tiny recipe end to end: {total:.0f} s ({verdict} the {TARGET_S} s target)")
        print(f"terminal output: {len(printed.splitlines())} lines")
    finally:
        if not args.keep and args.run_dir is None:
            shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    main()
