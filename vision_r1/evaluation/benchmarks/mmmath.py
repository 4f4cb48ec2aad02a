"""MM-Math (THU-KEG/MM_Math): open-ended middle-school exam problems with diagrams.

Accepted layout under the benchmark path: `MM_Math.jsonl` (or `MM_Math.json`, or a parquet export)
and the images from the release's image archive unpacked so that each row's `file_name` exists
under the path or under `images/` / `image/`.

Fields used: `question`, `file_name`, `answer` when the file has one, else the last `\\boxed{...}`
of `solution` (the release states final answers that way), `difficult`, `year` (grade), and
`knowledge`. Rows have no id field, so items are numbered by their row (`mmmath-<row>`); keep the
file unchanged between a run and its resume. Reported per difficulty, grade and knowledge point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.records import as_labels, find_file, read_records, required
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem, image_bytes_from, user_prompt

FILES = ("MM_Math.jsonl", "MM_Math.json", "*.parquet", "*.jsonl")


def load_mmmath(path: Path) -> list[EvalItem]:
    source = find_file(path, FILES, "MM-Math")
    root = source.parent
    base_dirs = (root, root / "images", root / "image")
    return [_item(row, f"{source}: row {n}", base_dirs, n) for n, row in enumerate(read_records(source))]


def _item(row: dict[str, Any], where: str, base_dirs: tuple[Path, ...], number: int) -> EvalItem:
    return EvalItem(
        item_id=f"mmmath-{number}",
        messages=user_prompt(str(required(row, "question", where)), has_image=True),
        images=[image_bytes_from(required(row, "file_name", where), f"{where} field 'file_name'", base_dirs)],
        answer=_answer(row, where),
        categories={
            "difficulty": as_labels(row.get("difficult")),
            "grade": as_labels(row.get("year")),
            "knowledge": as_labels(row.get("knowledge")),
        },
        data_source="mm_math",
    )


def _answer(row: dict[str, Any], where: str) -> str:
    if row.get("answer") not in (None, ""):
        return str(row["answer"])
    from vision_r1.rewards.math import extract_answer

    boxed = extract_answer(str(required(row, "solution", where)))
    if not boxed:
        raise BenchmarkFormatError(f"{where}: no 'answer' field and no \\boxed{{...}} answer in 'solution'")
    return boxed
