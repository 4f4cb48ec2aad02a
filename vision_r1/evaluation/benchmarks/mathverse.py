"""MathVerse testmini, every problem version, from the files of the public release.

Accepted layout under the benchmark path (HF `AI4Math/MathVerse`):
- `testmini.parquet` (images embedded) or `testmini.json` with the images unpacked so that each
  row's `image` path exists under the path or under `images/`: the five versions with a diagram
  (Text Dominant, Text Lite, Vision Intensive, Vision Dominant, Vision Only), 3,940 rows;
- optionally `testmini_text_only.parquet` / `testmini_text_only.json` (`testmini_text-only.json` in
  older snapshots): the Text Only version, 788 rows without images. When present it is evaluated
  too and counts towards the overall accuracy; remove it to match VLMEvalKit's `MathVerse_MINI`.

Fields used: `sample_index`, `problem_version`, `query_cot` (falls back to `query_wo`, then
`question`), `answer` (a letter for multi-choice), `question_type`, `image`, `metadata.subject`.
Multiple-choice options are parsed from the `Choices:` block of the question text when it has one
(in Vision Only they live in the diagram), so an answer given as option text can still match.
Reported per `problem_version` and per `subject`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.records import as_labels, find_file, read_records, required
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem, image_bytes_from, user_prompt

MAIN_FILES = ("testmini.parquet", "testmini.json")
TEXT_ONLY_FILES = ("testmini_text_only.parquet", "testmini_text_only.json", "testmini_text-only.json")
_CHOICE_LINE = re.compile(r"^\s*(?:\((?P<paren>[A-H])\)|(?P<plain>[A-H])\s*[:.：])\s*(?P<text>.+?)\s*$")


def load_mathverse(path: Path) -> list[EvalItem]:
    main = find_file(path, MAIN_FILES, "MathVerse")
    base_dirs = (main.parent, main.parent / "images")
    items = [_item(row, f"{main}: row {n}", base_dirs, "") for n, row in enumerate(read_records(main))]
    if path.is_dir():
        try:
            text_only = find_file(path, TEXT_ONLY_FILES, "MathVerse text-only")
        except BenchmarkFormatError:
            return items
        rows = read_records(text_only)
        items += [_item(row, f"{text_only}: row {n}", base_dirs, "text_only-") for n, row in enumerate(rows)]
    return items


def _item(row: dict[str, Any], where: str, base_dirs: tuple[Path, ...], id_prefix: str) -> EvalItem:
    sample = str(required(row, "sample_index", where))
    where = f"{where} (sample_index {sample})"
    version = str(required(row, "problem_version", where))
    query = row.get("query_cot") or row.get("query_wo") or required(row, "question", where)
    image = row.get("image")
    has_image = bool(image) and not (
        isinstance(image, dict) and not (image.get("bytes") or image.get("path"))
    )
    if not has_image and version != "Text Only":
        raise BenchmarkFormatError(f"{where}: field 'image' is missing for problem version '{version}'")
    metadata = row.get("metadata") or {}
    return EvalItem(
        item_id=id_prefix + sample,
        messages=user_prompt(str(query), has_image=has_image),
        images=[image_bytes_from(image, f"{where} field 'image'", base_dirs)] if has_image else [],
        answer=str(required(row, "answer", where)),
        choices=choices_in_text(str(row.get("question") or query)),
        categories={"problem_version": [version], "subject": as_labels(metadata.get("subject"))},
        data_source="mathverse",
        extra_info={"question_type": row.get("question_type"), "problem_index": row.get("problem_index")},
    )


def choices_in_text(text: str) -> list[str] | None:
    """Options listed after a `Choices:` line as `A:...`, `B. ...` or `(C) ...`, in letter order."""
    _, marker, tail = text.partition("Choices:")
    if not marker:
        return None
    options = []
    for line in tail.splitlines():
        match = _CHOICE_LINE.match(line)
        if match and (match["paren"] or match["plain"]) == "ABCDEFGH"[len(options)]:
            options.append(match["text"])
        elif match or (options and line.strip()):
            break  # options out of letter order, or the text after the list
    return options or None
