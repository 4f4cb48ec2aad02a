"""RefCOCO-style REC records: an image, one or more referring expressions, one box (pixels).

Accepted keys: image (`image`, `file_name`, `image_path`, `img_path`), expression (`expression`,
`sentence`, `text`, `normal_caption`, `problem`, or `sentences`: strings or `{"sent": ...}`), box
(`bbox`, `box`, `solution`) in `xyxy` or COCO `xywh`. A record with several expressions becomes one
row per expression.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vision_r1.data.convert.boxes import BoxTarget, box_example, to_xyxy
from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sources import SourceRow, image_list, iter_table
from vision_r1.data.example import Example, RowError
from vision_r1.data.prompts import rec_question

IMAGE_KEYS = ("image", "file_name", "image_path", "img_path")
EXPRESSION_KEYS = ("expression", "sentence", "text", "normal_caption", "problem")
BOX_KEYS = ("bbox", "box", "solution")


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((record[key] for key in keys if record.get(key) is not None), None)


def expressions(record: Any) -> list[str]:
    """All referring expressions of a record (empty when it has none)."""
    if not isinstance(record, dict):
        return []
    if isinstance(record.get("sentences"), list):
        return [s["sent"] if isinstance(s, dict) else str(s) for s in record["sentences"]]
    single = _first(record, EXPRESSION_KEYS)
    return [str(single)] if single is not None else []


def _example(
    source: SourceRow,
    expression: str,
    number: int,
    roots: list[Path],
    box_format: str,
    reward: str,
    target: BoxTarget,
) -> Example:
    record = source.record
    images = image_list(_first(record, IMAGE_KEYS), roots, "image")
    box = _first(record, BOX_KEYS)
    if not isinstance(box, list):
        raise RowError("bbox", f"missing or not a list: {box!r}")
    return box_example(
        id=f"{record.get('id', record.get('ref_id', f'{Path(source.file).stem}-{source.row}'))}-{number}",
        data_source="refcoco",
        images=images,
        question=lambda frame: rec_question(expression, target.space, frame),
        pixel_boxes=[to_xyxy(box, box_format)],
        reward=reward,
        target=target,
        single=True,
    )


def refcoco_rows(
    path: str | Path,
    image_roots: list[Path],
    box_format: str = "xyxy",
    reward: str = "iou",
    target: BoxTarget = BoxTarget(),
) -> Iterator[Produced]:
    roots = [*image_roots, Path(path).parent if Path(path).is_file() else Path(path)]
    for source in iter_table(path):
        found = expressions(source.record)
        if not found:
            yield Produced(source.file, source.row, _no_expression)
        for number, expression in enumerate(found):
            yield Produced(
                source.file,
                source.row,
                lambda s=source, e=expression, k=number: _example(s, e, k, roots, box_format, reward, target),
            )


def _no_expression() -> Example:
    raise RowError("expression", "no referring expression")
