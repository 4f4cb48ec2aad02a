"""Dataset-level COCO evaluation (`coco_detection`) on a COCO-sized set: speed and peak memory.

    PYTHONPATH=. python benchmarks/coco_eval.py [--images 5000] [--seed 0]

The set is COCO val2017-shaped and synthetic: 5,000 images, 80 categories, about 7 truth boxes per
image spread over ~3 categories, one Visual-RFT-style row per (image, category) asked, and an answer
per row with jittered true boxes, misses, false positives and two-decimal (often tied) confidences.
It times what `vision-r1 eval` does after generation: reading every answer into pycocotools' files,
then COCOeval (evaluate, accumulate, summarize) twice (the published number and the strict variant),
and prints images/s and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.tasks import task_summary
from vision_r1.evaluation.tasks.coco_data import coco_files
from vision_r1.evaluation.tasks.coco_detection import run_cocoeval

CATEGORIES = [f"category_{index:02d}" for index in range(80)]


def random_box(rng: random.Random) -> list[float]:
    """A COCO-like box on a 640x480 image: 8 to 200 pixels a side, one decimal."""
    left, top, width, height = (
        rng.uniform(0, 560),
        rng.uniform(0, 400),
        rng.uniform(8, 200),
        rng.uniform(8, 200),
    )
    return [round(left, 1), round(top, 1), round(left + width, 1), round(top + height, 1)]


def workload(images: int, seed: int) -> tuple[list[EvalItem], list[dict]]:
    rng = random.Random(seed)
    items, records = [], []
    for image in range(images):
        for category in rng.sample(CATEGORIES, rng.randint(1, 5)):
            truths = [random_box(rng) for _ in range(rng.choice([1, 1, 2, 2, 3, 5]))]
            answer = []
            for box in truths:
                if rng.random() < 0.8:  # 20% missed
                    shifted = [round(value + rng.uniform(-10, 10), 1) for value in box]
                    shifted[2], shifted[3] = max(shifted[2], shifted[0] + 4), max(shifted[3], shifted[1] + 4)
                    answer.append({"Position": shifted, "Confidence": round(rng.uniform(0.3, 1.0), 2)})
            for _ in range(rng.randint(0, 3)):  # false positives
                x, y = rng.uniform(0, 560), rng.uniform(0, 400)
                answer.append({"Position": [round(x), round(y), round(x + 60), round(y + 60)], "Confidence": round(rng.uniform(0, 0.6), 2)})  # fmt: skip
            items.append(
                EvalItem(
                    f"{image}-{category}",
                    [{"role": "user", "content": "Detect"}],
                    [],
                    str(truths),
                    reward="detection",
                    extra_info={"image_id": str(image), "category": category},
                )
            )
            records.append({"response": f"<think>Looking.</think><answer>{answer}</answer>"})
    return items, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    items, records = workload(args.images, args.seed)
    print(f"{args.images} images, {len(items)} (image, category) rows")
    start = time.perf_counter()
    files = coco_files(items, records)
    read = time.perf_counter() - start
    print(
        f"answers -> COCO files: {read:.2f}s ({len(files.annotations)} truths, {len(files.detections)} detections)"
    )
    start = time.perf_counter()
    run_cocoeval(files)
    cocoeval = time.perf_counter() - start
    print(f"COCOeval once (evaluate + accumulate + summarize): {cocoeval:.2f}s")
    start = time.perf_counter()
    summary = task_summary("coco_detection", items, records, {})
    total = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    values = summary["task"]["values"]
    print(f"coco_detection summary (published + strict): {total:.2f}s = {args.images / total:,.0f} images/s")
    print(f"mAP {values['AP']:.2f}, AP50 {values['AP50']:.2f}; peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
