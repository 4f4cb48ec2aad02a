"""The preflight's per-GPU memory and disk estimates for the shipped GPU recipes, as a markdown table.

No GPU is needed: these are the estimates `vision-r1 run RECIPE --dry-run` checks each stage against
(vision_r1/preflight/memory.py and disk.py say how each term is counted). The recipes are read as the
repository ships them, or as in tests/preflight/before_issue12/ with --before.

    python benchmarks/gpu_memory_table.py [--before]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ("vision_r1_7b", "vision_r1_zero", "vision_r1_long")
PHASE = re.compile(r"^(rollout|old log-probs|actor update|training) ([\d.]+) GiB")


def rows(recipe_file: Path) -> list[str]:
    from vision_r1.preflight import Environment
    from vision_r1.recipe.loader import load_recipe
    from vision_r1.runner import Runner, Selection

    # Described, not detected: the estimates do not depend on the machine (the free-space check would).
    gpu_install = Environment(
        gpu_install=True, importable=frozenset({"vllm", "flash_attn"}), free_disk_bytes=1 << 50
    )
    with tempfile.TemporaryDirectory() as run_dir:
        recipe = load_recipe(recipe_file, [f"run_dir={run_dir}"])
        report = Runner(recipe).preflight(Selection(), gpu_install)
    lines = []
    for stage in report.stages:
        phases = {}
        for finding in stage.findings:
            match = PHASE.match(finding.message) if finding.check == "GPU memory" else None
            if match:
                phases[match.group(1)] = f"{float(match.group(2)):.1f}"
        if not phases:
            continue
        train = phases.get("actor update") or phases.get("training")
        disk = "" if stage.disk_gib is None else f"{stage.disk_gib:.0f}"
        verdict = "error" if any(f.severity.value == "error" for f in stage.findings) else "ok"
        lines.append(
            f"| {recipe.name} | {stage.stage} | {phases.get('rollout', '-')} | {phases.get('old log-probs', '-')} "
            f"| {train} | {disk} | {verdict} |"
        )
    return lines


def main() -> None:
    # benchmarks/datasets.py would shadow the `datasets` package that verl imports.
    sys.path[:] = [
        entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
    ]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", action="store_true", help="the recipes as they were before issue #12")
    args = parser.parse_args()
    folder = ROOT / "tests" / "preflight" / "before_issue12" if args.before else ROOT / "recipes"
    print("| recipe | stage | rollout GiB | log-probs GiB | training GiB | checkpoint disk GiB | preflight |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in RECIPES:
        for line in rows(folder / f"{name}.yaml"):
            print(line)
    print(
        "per GPU of 80 GB (checked against 90%: 72 GiB); disk: the stage's checkpoints at once + merged model"
    )


if __name__ == "__main__":
    main()
