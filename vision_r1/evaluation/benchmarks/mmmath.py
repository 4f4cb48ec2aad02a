"""MM-Math (THU-KEG/MM_Math): 5,929 open-ended middle-school exam problems with diagrams.

Accepted under the benchmark path (or the file itself): `MM_Math.jsonl` as released (also
`MM_Math.json`, or one `.jsonl` / `.parquet` export), with `Image.zip` unpacked so that each row's
`file_name` exists under the path, under its `data/` folder, or under any folder of the path whose
name contains "image" (`images/`, `Image/`, ...).

Fields used: `question`, `file_name`, `solution`, `difficult`, `year`, `knowledge`. The reference
answer is every `\\boxed{...}` of `solution` (a two-part problem has two; the release states final
answers that way), or an `answer` field when an export has one. Rows have no id field, so items
are numbered by their row (`mmmath-<row>`); keep the file unchanged between a run and its resume.

Reported as the paper groups them: difficulty (容易 / 普通 / 困难 -> Easy / Medium / Hard), grade
(七 / 八 / 九年级, both terms -> Seven / Eight / Nine) and knowledge area (Transformations of Shapes,
Properties of Shapes, Functions; a problem counts once for each area its knowledge points name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.records import as_labels, find_file, read_records, required
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem, image_bytes_from, user_prompt
from vision_r1.rewards.math import boxed_answers

FILES = ("MM_Math.jsonl", "MM_Math.json", "data/MM_Math.jsonl", "*.jsonl", "*.parquet")
DIFFICULTY = {
    "容易": "Easy",
    "普通": "Medium",
    "困难": "Hard",
    "easy": "Easy",
    "medium": "Medium",
    "hard": "Hard",
}
GRADES = {"七": "Seven", "八": "Eight", "九": "Nine", "seven": "Seven", "eight": "Eight", "nine": "Nine"}
KNOWLEDGE_AREAS = ("Transformations of Shapes", "Properties of Shapes", "Functions")


def load_mmmath(path: Path) -> list[EvalItem]:
    source = find_file(path, FILES, "MM-Math")
    root = source.parent
    image_dirs = sorted(p for p in root.iterdir() if p.is_dir() and "image" in p.name.lower())
    base_dirs = (root, *image_dirs, root / "data")
    rows = read_records(source)
    return [_item(row, f"{source}: row {n}", base_dirs, n, str(source)) for n, row in enumerate(rows)]


def _item(row: dict[str, Any], where: str, base_dirs: tuple[Path, ...], number: int, source: str) -> EvalItem:
    parts = _answer_parts(row, where)
    return EvalItem(
        item_id=f"mmmath-{number}",
        messages=user_prompt(str(required(row, "question", where)), has_image=True),
        images=[image_bytes_from(required(row, "file_name", where), f"{where} field 'file_name'", base_dirs)],
        answer=", ".join(parts),
        categories={
            "difficulty": [DIFFICULTY.get(label.lower(), label) for label in as_labels(row.get("difficult"))],
            "grade": [_grade(label) for label in as_labels(row.get("year"))],
            "knowledge": [area for area in KNOWLEDGE_AREAS if area in str(row.get("knowledge") or "")],
        },
        data_source="mm_math",
        extra_info={"answer_parts": parts},
        source=source,
    )


def _answer_parts(row: dict[str, Any], where: str) -> list[str]:
    """The reference answers in order: an export's `answer` field, else every boxed answer of `solution`."""
    if row.get("answer") not in (None, ""):
        return [str(row["answer"])]
    parts = boxed_answers(str(required(row, "solution", where)))
    if not parts:
        raise BenchmarkFormatError(f"{where}: no 'answer' field and no \\boxed{{...}} answer in 'solution'")
    return parts


def _grade(label: str) -> str:
    """`七年级上学期` -> `Seven` (the paper merges both terms of a grade); other labels unchanged."""
    for key, grade in GRADES.items():
        if label.lower().startswith(key):
            return grade
    return label
