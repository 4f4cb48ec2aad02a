"""Check a training stage's dataset before verl starts: a bad file fails in seconds, not in a worker.

The rows are checked with the same rules as `vision-r1 data check` and, when the stage's model is
a local folder, measured through verl's own dataset classes with its processor and the stage's
image pixel budget. Only the first rows are read so that a 200K-row set is checked in seconds;
`vision-r1 data check` reads all. Rows verl would drop (RL prompts over `max_prompt_length`) or cut
(SFT rows over `max_length`) are counted, because verl does both silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stages.base import StageError

SAMPLE_ROWS = 256
SHOWN_BAD_ROWS = 5


def pixel_budget(stage: Any) -> dict[str, int] | None:
    """The stage's `{min_pixels, max_pixels}` as the Qwen2-VL image processor takes them, or None."""
    if stage.max_pixels is None:
        return None
    return {"min_pixels": stage.min_pixels, "max_pixels": stage.max_pixels}


def check_stage_dataset(
    dataset: str,
    expected_kind: str,
    model: str,
    max_prompt_length: int,
    max_length: int,
    pixels: dict[str, int] | None = None,
) -> str:
    """Raise StageError naming file, row and field when the dataset's first rows are not usable; else
    return a one-line summary of what verl will drop or cut in the sample."""
    from vision_r1.data.check import check_file
    from vision_r1.data.row_checks import file_kind

    path = Path(dataset)
    try:
        kind = file_kind(path)
    except (OSError, ValueError) as exc:
        raise StageError(f"dataset {path} is not readable as a parquet dataset: {exc}") from None
    if kind != expected_kind:
        raise StageError(f"dataset {path} is a {kind} file; this stage needs a {expected_kind} file")
    processor = _local_processor(model)
    if processor is None:
        return f"dataset {path}: rows not measured (the model {model} is not a local folder)"
    report = check_file(path, processor, max_prompt_length, max_length, limit=SAMPLE_ROWS, pixels=pixels)
    if report.bad_rows:
        shown = "\n  ".join(str(bad) for bad in report.bad_rows[:SHOWN_BAD_ROWS])
        raise StageError(
            f"dataset {path} fails the data check ({len(report.bad_rows)} bad of the first {report.rows} rows):\n"
            f"  {shown}\nrun `vision-r1 data check {path}` for the full report"
        )
    if kind == "sft":
        return (
            f"dataset {path}: {report.over_length_limit} of the first {report.rows} rows are longer than "
            f"max_length {max_length} and will be cut"
        )
    return (
        f"dataset {path}: {report.over_prompt_limit} of the first {report.rows} prompts are longer than "
        f"max_prompt_length {max_prompt_length} and will be dropped by verl"
    )


def _local_processor(model: str):
    """The model's processor when it is a local folder (a hub id is only resolved on the training machine)."""
    if not Path(model).is_dir():
        return None
    from transformers import AutoProcessor

    return AutoProcessor.from_pretrained(model)
