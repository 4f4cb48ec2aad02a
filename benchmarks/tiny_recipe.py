"""Wall time of the README's main job, `vision-r1 run recipes/tiny.yaml`, per stage and in total.

    python benchmarks/tiny_recipe.py [--rollout hf|vllm] [--run-dir DIR] [--keep]

Issue #7 targets under 10 minutes on 2 CPU cores for the whole chain (tiny model, synthetic data,
cold start, SFT, three PTST GRPO stages through verl on Ray, eval). The run goes to a fresh
directory so nothing is skipped; per-stage times come from the run's own `state.json`, read the way
`vision-r1 report` reads it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vision_r1.report.run_data import load_run

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "tiny.yaml"
TARGET_S = 600


def run_recipe(run_dir: Path, rollout: str) -> float:
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
    return elapsed


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
        total = run_recipe(run_dir, args.rollout)
        print(f"cores: {os.cpu_count()}, rollout: {args.rollout}")
        for stage in load_run(run_dir).stages:
            print(f"  {stage.name:<12} {stage.kind:<11} {stage.duration_s:7.0f} s")
        verdict = "within" if total < TARGET_S else "OVER"
        print(f"tiny recipe end to end: {total:.0f} s ({verdict} the {TARGET_S} s target)")
    finally:
        if not args.keep and args.run_dir is None:
            shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    main()
