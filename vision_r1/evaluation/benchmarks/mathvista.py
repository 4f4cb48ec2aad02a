"""MathVista testmini (1,000 questions), from every layout of the public release.

Accepted under the benchmark path (first match wins; the path may also be the file itself):
- HF parquet (`AI4Math/MathVista`): `data/testmini-*.parquet`, images embedded in `decoded_image`;
- HF JSON: `annot_testmini.json` (an object keyed by pid) with `images.zip` unpacked into `images/`;
- GitHub clone (`lupantech/MathVista`): `data/testmini.json` and `data/query.json` (the prompts),
  with the images unpacked into `data/images/`;
- a bare data folder (older snapshots, or the clone's `data/` given directly): `testmini.json` /
  `testmini*.parquet`, `query.json` next to it.
Image paths (`images/<pid>.jpg`) are resolved against the folder of the JSON file, then the path.

Fields used: `pid`, `query` (else `query.json`, else built from `question` and `choices`),
`answer`, `choices`, and for the official score `question_type`, `answer_type`, `precision`,
`unit`. Reported per `metadata.task` and per `metadata.skills` (a question counts once per skill).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.records import as_labels, find_layout, read_records, required
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem, image_bytes_from, user_prompt

LAYOUTS = {
    "HF parquet": ("data/testmini-*.parquet",),
    "HF JSON": ("annot_testmini.json",),
    "GitHub clone": ("data/testmini.json",),
    "data folder": ("testmini.json", "testmini*.parquet"),
}
QUERY_FILE = "query.json"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def load_mathvista(path: Path) -> list[EvalItem]:
    _, source = find_layout(path, LAYOUTS, "MathVista")
    queries = _queries(source.parent / QUERY_FILE)
    base_dirs = tuple(dict.fromkeys((source.parent, path if path.is_dir() else source.parent)))
    return [
        _item(row, f"{source}: row {number}", base_dirs, queries, str(source))
        for number, row in enumerate(read_records(source))
    ]


def _queries(path: Path) -> dict[str, str]:
    """The GitHub clone keeps the official prompts in `query.json` (pid -> prompt)."""
    if not path.is_file():
        return {}
    try:
        queries = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise BenchmarkFormatError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from error
    if not isinstance(queries, dict):
        raise BenchmarkFormatError(f"{path}: expected an object mapping pid to prompt")
    return {str(pid): str(query) for pid, query in queries.items()}


def _item(
    row: dict[str, Any], where: str, base_dirs: tuple[Path, ...], queries: dict[str, str], source: str
) -> EvalItem:
    pid = str(row.get("pid") or row.get("_key") or required(row, "pid", where))
    where = f"{where} (pid {pid})"
    image = row.get("decoded_image") or required(row, "image", where)
    choices = [str(c) for c in row.get("choices") or []] or None
    metadata = row.get("metadata") or {}
    query = row.get("query") or queries.get(pid) or _query(row, choices, where)
    return EvalItem(
        item_id=pid,
        messages=user_prompt(str(query), has_image=True),
        images=[image_bytes_from(image, f"{where} field 'image'", base_dirs)],
        answer=str(required(row, "answer", where)),
        choices=choices,
        categories={"task": as_labels(metadata.get("task")), "skill": as_labels(metadata.get("skills"))},
        data_source="mathvista",
        extra_info={
            "question_type": row.get("question_type"),
            "answer_type": row.get("answer_type"),
            "precision": _precision(row.get("precision"), where),
            "unit": row.get("unit"),
        },
        source=source,
    )


def _precision(value: Any, where: str) -> int | None:
    """Decimal places of a float answer; the parquet stores them as floats (2.0), the JSON as ints."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BenchmarkFormatError(f"{where}: field 'precision' is not a number: {value!r}") from None
    if number != number:  # NaN: pandas' missing value in some exports
        return None
    if not number.is_integer() or number < 0:
        raise BenchmarkFormatError(
            f"{where}: field 'precision' must be a whole number of places, got {value!r}"
        )
    return int(number)


def _query(row: dict[str, Any], choices: list[str] | None, where: str) -> str:
    """The question with lettered choices, for exports that dropped the pre-built `query`."""
    question = str(required(row, "question", where))
    if not choices:
        return question
    listed = "\n".join(f"({_LETTERS[i]}) {choice}" for i, choice in enumerate(choices))
    return f"{question}\nChoices:\n{listed}"
