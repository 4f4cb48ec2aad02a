"""Converter throughput and memory: convert N rows with real PNG files, print rows/s and peak RSS.

Each conversion runs in its own child process so its peak RSS is its own. Converting a small and a
large set shows whether memory stays flat in the row count (it should: rows stream to disk).

    python benchmarks/datasets.py --rows 20000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

FORMATS = ("geometry3k", "sharegpt")


def write_fixture(root: Path, rows: int, seed: int = 0) -> None:
    """`rows` distinct PNG files (224x224 to 448x336, drawn shapes) and both source tables over them."""
    rng = random.Random(seed)
    images = root / "images"
    images.mkdir(parents=True, exist_ok=True)
    with (root / "geometry3k.jsonl").open("w") as table, (root / "sharegpt.json").open("w") as chat:
        chat.write("[\n")
        for index in range(rows):
            size = rng.choice([(224, 224), (336, 252), (448, 336)])
            image = Image.new("RGB", size, "white")
            draw = ImageDraw.Draw(image)
            for _ in range(6):
                x, y = rng.randrange(size[0] - 40), rng.randrange(size[1] - 40)
                draw.ellipse((x, y, x + 36, y + 36), fill=tuple(rng.randrange(256) for _ in range(3)))
            name = f"{index:06d}.png"
            image.save(images / name, compress_level=1)
            question = f"In the figure, what is the value of x? (item {index})"
            table.write(
                json.dumps({"images": [f"images/{name}"], "problem": question, "answer": str(index % 97)})
                + "\n"
            )
            record = {
                "id": str(index),
                "image": name,
                "conversations": [
                    {"from": "human", "value": "<image>\n" + question},
                    {
                        "from": "gpt",
                        "value": f"<think>{'Reasoning step. ' * 40}</think><answer>{index % 97}</answer>",
                    },
                ],
            }
            chat.write(("" if index == 0 else ",\n") + json.dumps(record))
        chat.write("\n]\n")


def convert_once(root: Path, source_format: str, rows: int) -> dict:
    """Child process body: convert the first `rows` rows, report time and peak RSS."""
    from vision_r1.data.convert.geometry3k import geometry3k_rows
    from vision_r1.data.convert.runner import run_conversion
    from vision_r1.data.convert.sharegpt import sharegpt_rows

    if source_format == "geometry3k":
        produced, target = geometry3k_rows(root / "geometry3k.jsonl", [root]), "rl"
    else:
        produced, target = sharegpt_rows(root / "sharegpt.json", [root / "images"]), "sft"
    limited = (item for index, item in enumerate(produced) if index < rows)
    start = time.perf_counter()
    report = run_conversion(limited, root / f"out-{source_format}-{rows}.parquet", target)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": source_format, "rows": report.written, "seconds": seconds, "peak_rss_mib": peak_mib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--small", type=int, default=2000, help="row count of the comparison run")
    parser.add_argument("--child", nargs=3, metavar=("ROOT", "FORMAT", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(convert_once(Path(args.child[0]), args.child[1], int(args.child[2]))))
        return
    with tempfile.TemporaryDirectory(prefix="vision-r1-bench-") as scratch:
        root = Path(scratch)
        start = time.perf_counter()
        write_fixture(root, args.rows)
        print(f"fixture: {args.rows} PNG files + tables in {time.perf_counter() - start:.1f}s")
        for source_format in FORMATS:
            for rows in (args.small, args.rows):
                child = subprocess.run(
                    [sys.executable, __file__, "--child", str(root), source_format, str(rows)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = json.loads(child.stdout.strip().splitlines()[-1])
                print(
                    f"{result['format']:>10} -> {'rl' if source_format == 'geometry3k' else 'sft'}: "
                    f"{result['rows']:>6} rows in {result['seconds']:6.1f}s = {result['rows'] / result['seconds']:7.0f} rows/s, "
                    f"peak RSS {result['peak_rss_mib']:6.0f} MiB"
                )


if __name__ == "__main__":
    main()
