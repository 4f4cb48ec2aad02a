"""Run the CPU learning recipe, build its report and make the README picture from it.

    PYTHONPATH=. python benchmarks/learning_report.py [--run-dir runs/tiny_learn] [--png docs/report.png]

Runs `vision-r1 run recipes/tiny_learn.yaml` (resuming: a finished run is not redone; delete the run
directory for a fresh one), then `vision-r1 report RUN_DIR`, copies the report's own "Learning"
picture to `--png` and writes `docs/report.md` beside it: the figures the picture shows, the machine,
the load average and the date, so that the README's picture and numbers always name their source.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from vision_r1.report import build_report
from vision_r1.report.learning import WINDOW, format_shares, reward_curves
from vision_r1.report.run_data import load_run

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "recipes" / "tiny_learn.yaml"
COMMAND = "PYTHONPATH=. python benchmarks/learning_report.py"


def run_recipe(run_dir: Path) -> float:
    start = time.perf_counter()
    command = [sys.executable, "-m", "vision_r1.cli", "run", str(RECIPE), f"run_dir={run_dir}"]
    subprocess.run(command, check=True, timeout=3600)
    return time.perf_counter() - start


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}"


def figures(run_dir: Path) -> list[str]:
    run = load_run(run_dir)
    lines = [
        f"- format share of held-out responses, {name}: {share:.1f}%"
        for name, share in format_shares(run).items()
    ]
    for curve in reward_curves(run):
        role = "control, trained on minus the reward" if curve.negated else "reward rises"
        lines.append(
            f"- {curve.stage} ({role}): mean reward of the first {WINDOW} steps {curve.first_mean:.3f}, "
            f"of the last {WINDOW} steps {curve.last_mean:.3f} ({len(curve.rewards)} steps)"
        )
    return lines


def shown(path: Path) -> str:
    """The path as a reader of this repository would type it: relative to the repository root if inside."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(resolved)


def write_provenance(path: Path, run_dir: Path, wall_s: float | None, loads: tuple[float, ...]) -> None:
    ran = "reused an existing run" if wall_s is None else f"ran in {wall_s / 60:.1f} min"
    text = [
        "# The README picture: provenance\n",
        f'`docs/report.png` is the "Learning" picture of `vision-r1 report {shown(run_dir)}`, made by `{COMMAND}`',
        f"on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine()}; the recipe {ran}; load average after the",
        f"run {loads[0]:.2f} / {loads[1]:.2f} / {loads[2]:.2f}, cores shared with other jobs).\n",
        *figures(run_dir),
        "",
    ]
    path.write_text("\n".join(text), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run-dir", type=Path, default=REPO / "runs" / "tiny_learn")
    parser.add_argument("--png", type=Path, default=REPO / "docs" / "report.png")
    parser.add_argument("--no-run", action="store_true", help="only rebuild the report of an existing run")
    args = parser.parse_args()
    wall_s = None if args.no_run else run_recipe(args.run_dir)
    html = build_report(args.run_dir)
    args.png.parent.mkdir(parents=True, exist_ok=True)
    args.png.write_bytes((html.parent / "learning.png").read_bytes())
    write_provenance(args.png.with_name("report.md"), args.run_dir, wall_s, os.getloadavg())
    print(args.png.with_name("report.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
