"""MathVerse testmini, every problem version, from every layout of the public release.

Accepted under the benchmark path (or its `data/` folder, as in a GitHub clone):
- the five versions with a diagram (Text Dominant, Text Lite, Vision Intensive, Vision Dominant,
  Vision Only; 3,940 rows): `testmini.parquet` (HF, images embedded) or `testmini.json` with the
  images unpacked so that each row's `image` path exists under the path or `images/`;
- the Text Only version (788 rows, no images), when present: `testmini_text_only.parquet` /
  `.json`, or `testmini_text-only.parquet` / `.json` as older snapshots name it. It is evaluated
  and reported as its own version but, as in the paper, not counted in the headline ("All").
When a version ships in several files (parquet and JSON), the first is read and the others are
named in the log as not read.

Fields used: `sample_index`, `problem_version`, `query_cot` (else `query_wo`, else `question`),
`answer` (a letter for multi-choice), `question_type`, `image`, `metadata.subject`. The options of
a multi-choice question come from the `Choices:` block of `question_for_eval` (the text the
official judge sees, which lists them even when the shown question keeps them in the diagram),
else of the question itself, so an answer given as option text can be matched in every version.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.records import as_labels, find_optional, read_records, required
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem, image_bytes_from, user_prompt

MAIN_FILES = ("testmini.parquet", "testmini.json", "data/testmini.parquet", "data/testmini.json")
TEXT_ONLY_FILES = tuple(
    f"{folder}{name}.{suffix}"
    for folder in ("", "data/")
    for name in ("testmini_text_only", "testmini_text-only")
    for suffix in ("parquet", "json")
)
TEXT_ONLY = "Text Only"
_CHOICE_LINE = re.compile(r"^\s*(?:\((?P<paren>[A-H])\)|(?P<plain>[A-H])\s*[:.：])\s*(?P<text>.+?)\s*$")
logger = logging.getLogger(__name__)


def load_mathverse(path: Path) -> list[EvalItem]:
    if path.is_file():
        files = [path]
    else:
        if not path.is_dir():
            raise BenchmarkFormatError(f"MathVerse: {path} does not exist")
        main = find_optional(path, MAIN_FILES)
        if main is None:
            raise BenchmarkFormatError(f"MathVerse: none of {', '.join(MAIN_FILES)} found in {path}")
        files = [main, *_text_only_file(path)]
    items = []
    for source in files:
        base_dirs = (source.parent, source.parent / "images")
        rows = read_records(source)
        items += [_item(row, f"{source}: row {n}", base_dirs, str(source)) for n, row in enumerate(rows)]
    return items


def _text_only_file(root: Path) -> list[Path]:
    present = [root / name for name in TEXT_ONLY_FILES if (root / name).is_file()]
    for skipped in present[1:]:
        logger.warning("MathVerse: %s not read: the Text Only version is read from %s", skipped, present[0])
    return present[:1]


def _item(row: dict[str, Any], where: str, base_dirs: tuple[Path, ...], source: str) -> EvalItem:
    sample = str(required(row, "sample_index", where))
    where = f"{where} (sample_index {sample})"
    version = str(required(row, "problem_version", where))
    query = row.get("query_cot") or row.get("query_wo") or required(row, "question", where)
    image = row.get("image")
    has_image = bool(image) and not (
        isinstance(image, dict) and not (image.get("bytes") or image.get("path"))
    )
    if not has_image and version != TEXT_ONLY:
        raise BenchmarkFormatError(f"{where}: field 'image' is missing for problem version '{version}'")
    metadata = row.get("metadata") or {}
    choices_text = str(row.get("question_for_eval") or row.get("question") or query)
    return EvalItem(
        item_id=("text_only-" if version == TEXT_ONLY else "") + sample,
        messages=user_prompt(str(query), has_image=has_image),
        images=[image_bytes_from(image, f"{where} field 'image'", base_dirs)] if has_image else [],
        answer=str(required(row, "answer", where)),
        choices=choices_in_text(choices_text),
        categories={"problem_version": [version], "subject": as_labels(metadata.get("subject"))},
        data_source="mathverse",
        extra_info={"question_type": row.get("question_type"), "problem_index": row.get("problem_index")},
        source=source,
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
