"""MathVista testmini (1,000 questions), from the files of the public release.

Accepted layouts under the benchmark path (first match wins):
- `data/testmini-*.parquet` or `testmini*.parquet` (the HF `AI4Math/MathVista` parquet: images in
  `decoded_image`);
- `annot_testmini.json` or `testmini.json` (a JSON object keyed by `pid`), with the images unpacked
  from `images.zip` so that each row's `image` path (`images/<pid>.jpg`) exists under the path.

Fields used: `pid`, `query` (the official prompt with its hint; built from `question` and `choices`
when absent), `answer`, `choices`, `question_type`, `metadata.task`, `metadata.skills`.
Reported per `task` and per `skill` (a question counts once for each of its skills).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.records import as_labels, find_file, read_records, required
from vision_r1.evaluation.items import EvalItem, image_bytes_from, user_prompt

FILES = ("data/testmini-*.parquet", "testmini*.parquet", "annot_testmini.json", "testmini.json")


def load_mathvista(path: Path) -> list[EvalItem]:
    source = find_file(path, FILES, "MathVista")
    base_dir = source.parent.parent if source.parent.name == "data" else source.parent
    return [
        _item(row, f"{source}: row {number}", base_dir) for number, row in enumerate(read_records(source))
    ]


def _item(row: dict[str, Any], where: str, base_dir: Path) -> EvalItem:
    pid = str(row.get("pid") or row.get("_key") or required(row, "pid", where))
    where = f"{where} (pid {pid})"
    image = row.get("decoded_image") or required(row, "image", where)
    choices = [str(c) for c in row["choices"]] if row.get("choices") else None
    metadata = row.get("metadata") or {}
    return EvalItem(
        item_id=pid,
        messages=user_prompt(row.get("query") or _query(row, choices, where), has_image=True),
        images=[image_bytes_from(image, f"{where} field 'image'", (base_dir,))],
        answer=str(required(row, "answer", where)),
        choices=choices,
        categories={"task": as_labels(metadata.get("task")), "skill": as_labels(metadata.get("skills"))},
        data_source="mathvista",
        extra_info={"question_type": row.get("question_type"), "answer_type": row.get("answer_type")},
    )


def _query(row: dict[str, Any], choices: list[str] | None, where: str) -> str:
    """The question with lettered choices, for exports that dropped the pre-built `query`."""
    question = str(required(row, "question", where))
    if not choices:
        return question
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    listed = "\n".join(f"({letters[i]}) {choice}" for i, choice in enumerate(choices))
    return f"{question}\nChoices:\n{listed}"
