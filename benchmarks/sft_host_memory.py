"""Host memory one SFT rank spends holding the cold-start set, measured small and extrapolated to 200K rows.

verl's `MultiTurnSFTDataset` reads the whole parquet with `pd.read_parquet` and every torchrun rank
builds its own copy, so a node holds `ranks x` that. The SFT stage therefore trains on a copy of the
set whose images are files (`vision_r1.data.sft_images`): a rank holds the conversations only. This
script writes synthetic SFT sets of N rows (one PNG of about --image-kb per row, an assistant turn of
--text-chars), loads each through verl's class in a fresh process (the tiny model's processor; its
size does not depend on N), first as written (image bytes inside) and then as the stage's copy, and
reports the resident-memory growth. A straight line through the sizes gives the cost per row, its
ratio to the bytes a rank holds from the file (uncompressed, all columns for the set as written, the
non-image columns for the copy: what the preflight multiplies by), the figure for a 200K-row set per
rank and per 8-rank node, and how fast the copy is written.

    python benchmarks/sft_host_memory.py [--rows 1000 2000 4000] [--image-kb 150] [--text-chars 8000]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

TARGET_ROWS = 200_000
RANKS_PER_NODE = 8
GIB = 1 << 30

CHILD = r"""
import gc, json, resource, sys
from omegaconf import OmegaConf
from transformers import AutoProcessor
from verl.utils.dataset.multiturn_sft_dataset import MultiTurnSFTDataset

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))

processor = AutoProcessor.from_pretrained(sys.argv[2])
gc.collect()
before = rss()
config = OmegaConf.create({"pad_mode": "no_padding", "max_length": 16384, "truncation": "right"})
dataset = MultiTurnSFTDataset(sys.argv[1], processor.tokenizer, config, processor=processor)
gc.collect()
print(json.dumps({"rows": len(dataset), "held": rss() - before,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before}))
"""


def noise_png(kilobytes: int, rng: random.Random) -> bytes:
    """A PNG of random pixels (incompressible, so its size is predictable) of about `kilobytes` KB."""
    side = max(8, int((kilobytes * 1024 / 3) ** 0.5))
    pixels = np.random.default_rng(rng.randrange(1 << 30)).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def write_set(path: Path, rows: int, image_kb: int, text_chars: int) -> None:
    from vision_r1.data import single_turn_sft_row, write_sft_parquet

    rng = random.Random(0)
    words = "so the angle is forty degrees and the side follows from the sine rule ".split()

    def row(index: int) -> dict:
        # Every row its own image: parquet dictionary-encodes repeated bytes, real sets do not repeat.
        thinking = " ".join(rng.choice(words) for _ in range(text_chars // 5))[:text_chars]
        image = noise_png(image_kb, rng)
        return single_turn_sft_row(f"What is x in figure {index}?", [image], thinking, str(index))

    write_sft_parquet((row(index) for index in range(rows)), path)


def measure(path: Path, model: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(model)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, points: list[tuple[int, int, int, int]], image_kb: int, text_chars: int) -> None:
    """Fit held and peak memory per row; points are (rows, held, peak, bytes the rank holds from the file)."""
    rows = np.array([p[0] for p in points], dtype=float)
    per_row, fixed = np.polyfit(rows, np.array([p[1] for p in points], dtype=float), 1)
    peak_per_row, peak_fixed = np.polyfit(rows, np.array([p[2] for p in points], dtype=float), 1)
    file_per_row = points[-1][3] / points[-1][0]
    print(
        f"{label}, per row: held {per_row / 1024:.1f} KiB, peak {peak_per_row / 1024:.1f} KiB, "
        f"file bytes held {file_per_row / 1024:.1f} KiB -> held/file = {per_row / file_per_row:.2f}, "
        f"peak/file = {peak_per_row / file_per_row:.2f}"
    )
    for kind, slope, offset in (("held", per_row, fixed), ("peak", peak_per_row, peak_fixed)):
        rank = offset + slope * TARGET_ROWS
        print(
            f"  {TARGET_ROWS} rows ({image_kb} KB image, {text_chars} chars each), {kind}: "
            f"{rank / GIB:.2f} GiB per rank, {RANKS_PER_NODE * rank / GIB:.1f} GiB per {RANKS_PER_NODE}-rank node"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--image-kb", type=int, default=150)
    parser.add_argument("--text-chars", type=int, default=8000)
    args = parser.parse_args()
    from vision_r1.data.sft_images import images_to_files
    from vision_r1.preflight.datasets import in_memory_bytes
    from vision_r1.tiny_model import build_tiny_model

    embedded, on_disk = [], []
    with tempfile.TemporaryDirectory(prefix="vision-r1-sft-memory-") as scratch:
        root = Path(scratch)
        model = build_tiny_model(root / "tiny", seed=0)
        for rows in args.rows:
            path = root / f"sft_{rows}.parquet"
            write_set(path, rows, args.image_kb, args.text_chars)
            started = time.perf_counter()
            images_to_files(path, root / f"copy_{rows}.parquet", root / "images")
            seconds = time.perf_counter() - started
            for label, file, points in (
                ("as written", path, embedded),
                ("images as files", root / f"copy_{rows}.parquet", on_disk),
            ):
                result = measure(file, model)
                points.append(
                    (
                        rows,
                        result["held"],
                        result["peak"],
                        in_memory_bytes(str(path), images=label == "as written"),
                    )
                )
                print(
                    f"{rows:>7} rows, {label}: file {file.stat().st_size / GIB:.3f} GiB, rank holds "
                    f"{result['held'] / GIB:.3f} GiB after loading, peak {result['peak'] / GIB:.3f} GiB"
                )
            print(
                f"{rows:>7} rows: copy with images as files written in {seconds:.1f} s ({rows / seconds:.0f} rows/s)"
            )
    report("as written (image bytes in the parquet)", embedded, args.image_kb, args.text_chars)
    report("images as files (what the SFT stage trains on)", on_disk, args.image_kb, args.text_chars)


if __name__ == "__main__":
    main()
