"""geometry3k-style tables (`images`, `problem`, `answer`): Geometry3K and the released Vision-R1 RL set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sources import SourceRow, image_list, iter_table
from vision_r1.data.example import Example, RowError

IMAGE_COLUMNS = ("images", "image")
QUESTION_COLUMNS = ("problem", "question")


def _first_present(record: dict, columns: tuple[str, ...]) -> str | None:
    return next((column for column in columns if record.get(column) is not None), None)


def _example(source: SourceRow, roots: list[Path], reward: str, data_source: str) -> Example:
    record = source.record
    if not isinstance(record, dict):
        raise RowError("row", f"expected an object, got {type(record).__name__}")
    image_column = _first_present(record, IMAGE_COLUMNS)
    if image_column is None:
        raise RowError("images", "missing (expected an `images` or `image` column)")
    question_column = _first_present(record, QUESTION_COLUMNS) or "problem"
    answer = record.get("answer")
    choices = record.get("choices")
    return Example(
        id=str(record.get("id", f"{Path(source.file).stem}-{source.row}")),
        data_source=data_source,
        images=image_list(record[image_column], roots, image_column),
        question=str(record.get(question_column) or ""),
        answer="" if answer is None else str(answer),
        reward=reward,
        choices=[str(choice) for choice in choices] if choices else None,
    )


def geometry3k_rows(
    path: str | Path,
    image_roots: list[Path],
    reward: str = "hfrrf",
    data_source: str = "geometry3k",
    split: str | None = None,
) -> Iterator[Produced]:
    """One RL/cold-start example per table row; image paths resolve against the table's folder and roots."""
    roots = [*image_roots, Path(path).parent if Path(path).is_file() else Path(path)]
    for source in iter_table(path, split):
        yield Produced(source.file, source.row, lambda s=source: _example(s, roots, reward, data_source))
