"""Host memory one SFT rank spends holding the cold-start set, measured small and extrapolated to 200K rows.

verl's `MultiTurnSFTDataset` reads the whole parquet with `pd.read_parquet` (image bytes included)
and every torchrun rank builds its own copy, so a node holds `ranks x` that. This script writes
synthetic SFT sets of N rows (one PNG of about --image-kb per row, an assistant turn of --text-chars),
loads each through verl's class in a fresh process (the tiny model's processor; the processor's size
does not depend on N) and reports the resident-memory growth. A straight line through the sizes gives
the cost per row and its ratio to the file's uncompressed size (what the preflight multiplies by),
then the figure for a 200K-row set per rank and per 8-rank node.

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


def uncompressed_bytes(path: Path) -> int:
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    return sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))


def measure(path: Path, model: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(model)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--image-kb", type=int, default=150)
    parser.add_argument("--text-chars", type=int, default=8000)
    args = parser.parse_args()
    from vision_r1.tiny_model import build_tiny_model

    with tempfile.TemporaryDirectory(prefix="vision-r1-sft-memory-") as scratch:
        root = Path(scratch)
        model = build_tiny_model(root / "tiny", seed=0)
        points = []
        for rows in args.rows:
            path = root / f"sft_{rows}.parquet"
            write_set(path, rows, args.image_kb, args.text_chars)
            result = measure(path, model)
            points.append(
                (rows, result["held"], result["peak"], uncompressed_bytes(path), path.stat().st_size)
            )
            print(
                f"{rows:>7} rows: file {path.stat().st_size / GIB:.2f} GiB "
                f"(uncompressed {points[-1][3] / GIB:.2f}), rank holds {result['held'] / GIB:.2f} GiB "
                f"after loading, peak {result['peak'] / GIB:.2f} GiB"
            )
    rows = np.array([p[0] for p in points], dtype=float)
    held = np.array([p[1] for p in points], dtype=float)
    peak = np.array([p[2] for p in points], dtype=float)
    per_row, fixed = np.polyfit(rows, held, 1)
    peak_per_row, peak_fixed = np.polyfit(rows, peak, 1)
    file_per_row = points[-1][3] / points[-1][0]
    print(
        f"per row: held {per_row / 1024:.1f} KiB, peak {peak_per_row / 1024:.1f} KiB, "
        f"uncompressed file {file_per_row / 1024:.1f} KiB -> held/uncompressed = {per_row / file_per_row:.2f}, "
        f"peak/uncompressed = {peak_per_row / file_per_row:.2f}"
    )
    for label, slope, offset in (("held", per_row, fixed), ("peak", peak_per_row, peak_fixed)):
        rank = offset + slope * TARGET_ROWS
        print(
            f"{TARGET_ROWS} rows ({args.image_kb} KB image, {args.text_chars} chars each), {label}: "
            f"{rank / GIB:.1f} GiB per rank, {RANKS_PER_NODE * rank / GIB:.1f} GiB per {RANKS_PER_NODE}-rank node"
        )


if __name__ == "__main__":
    main()
