"""Report build time for a paper-sized run, and an optional browser screenshot of the page.

    PYTHONPATH=. python benchmarks/report.py [--steps 100] [--screenshot page.png]

The run is the test suite's example run (cold start, SFT, three PTST stages, eval) with `--steps`
GRPO steps per stage and about 60 metrics per logged step, as verl logs them. `--screenshot` renders
the HTML with headless Chromium (Debian: `apt-get install chromium`) to check that the page and its
embedded pictures display. The run's numbers are made up, so its pictures stay out of the README
(whose picture comes from a real run: `benchmarks/learning_report.py`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "report"))
from run_fixture import GRPO_STAGES, build_run, grpo_metrics, write_metric_lines

from vision_r1.report import build_report

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
)


def paper_sized_run(root: Path, steps: int) -> Path:
    run = build_run(root)
    for index, (name, length, _) in enumerate(GRPO_STAGES):
        lines = grpo_metrics(index, length, steps=steps)
        padded = [
            (step, {**data, **{f"perf/extra_{k}": float(k) for k in range(50)}}) for step, data in lines
        ]
        write_metric_lines(run / name / "metrics" / "attempt-1.jsonl", padded)
    return run


def screenshot(html: Path, png: Path, width: int, height: int) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium not found (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png.resolve()}",
            html.resolve().as_uri(),
        ]
        subprocess.run(command, check=True, timeout=120, capture_output=True)
    from PIL import Image

    # 256 colours are plenty for a page of tables and line plots and keep the screenshot small
    Image.open(png).convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(png, optimize=True)
    print(f"screenshot of {html} written to {png} ({png.stat().st_size / 1024:.0f} KB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=100, help="GRPO steps per PTST stage")
    parser.add_argument("--screenshot", type=Path, help="write a PNG of the rendered page here")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = paper_sized_run(Path(tmp), args.steps)
        start = time.perf_counter()
        html = build_report(run)
        elapsed = time.perf_counter() - start
        pictures = len(list(html.parent.glob("*.png")))
        print(
            f"report for {len(GRPO_STAGES)} GRPO stages x {args.steps} steps (+ cold start, SFT, eval): "
            f"{elapsed:.2f}s, {pictures} pictures, {html.stat().st_size / 1024:.0f} KB self-contained HTML"
        )
        if args.screenshot:
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot(html, args.screenshot, args.width, args.height)


if __name__ == "__main__":
    main()
