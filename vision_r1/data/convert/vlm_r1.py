"""VLM-R1 JSONL: `{id, image | [images], conversations: [{from: human}, {from: gpt}], accu_reward_method?}`.

Several files and their image folders are joined with `:` (file i pairs with folder i, as VLM-R1's
`--data_file_paths` / `--image_folders`), and a file-level reward method list likewise. A row's
`accu_reward_method` wins over its file's method.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vision_r1.data.convert.boxes import BoxTarget, box_example, boxes_in_text, strip_answer_tags
from vision_r1.data.convert.json_stream import iter_json_records
from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sharegpt import conversation_messages, record_images
from vision_r1.data.convert.sources import image_list
from vision_r1.data.example import Example, RowError

# VLM-R1 methods judged by comparing the answer text (symbolic, choice letter, yes/no, exact).
ANSWER_METHODS = frozenset({"default", "math", "mcq", "yes_no", "all_match"})
BOX_METHODS = {"iou": "iou", "rec": "iou", "giou": "giou"}
DETECTION_METHODS = frozenset({"od", "od_ap", "od_ap50", "odLength", "map"})


def reward_kind(method: str, answer_reward: str) -> str:
    """Our reward kind for a VLM-R1 accuracy method; `answer_reward` is used for the text-answer methods."""
    if method in ANSWER_METHODS:
        return answer_reward
    if method in BOX_METHODS:
        return BOX_METHODS[method]
    if method in DETECTION_METHODS:
        return "map"
    raise RowError("accu_reward_method", f"{method!r} has no rule-based vision-r1 reward kind")


def _example(
    record: Any,
    file: Path,
    row: int,
    folder: Path,
    method: str,
    answer_reward: str,
    target: BoxTarget,
    data_source: str,
) -> Example:
    if not isinstance(record, dict):
        raise RowError("row", f"expected an object, got {type(record).__name__}")
    messages = conversation_messages(record)
    question = next((m["content"] for m in messages if m["role"] == "user"), "")
    solution = strip_answer_tags(next((m["content"] for m in messages if m["role"] == "assistant"), ""))
    images = image_list(record_images(record), [folder, file.parent], "image")
    kind = reward_kind(str(record.get("accu_reward_method") or method), answer_reward)
    identifier = str(record.get("id", f"{file.stem}-{row}"))
    if kind in ("iou", "giou", "map"):
        return box_example(
            id=identifier,
            data_source=data_source,
            images=images,
            question=question,
            pixel_boxes=boxes_in_text(solution),
            reward=kind,
            target=target,
            single=kind != "map",
        )
    return Example(identifier, data_source, images, question, solution, kind)


def vlm_r1_rows(
    files: str,
    image_folders: str,
    reward_methods: str | None = None,
    answer_reward: str = "r1v",
    target: BoxTarget = BoxTarget(),
    data_source: str = "vlm_r1",
) -> Iterator[Produced]:
    paths = [Path(part) for part in files.split(":") if part]
    folders = [Path(part) for part in image_folders.split(":") if part] if image_folders else []
    methods = reward_methods.split(":") if reward_methods else ["default"] * len(paths)
    if len(folders) != len(paths) or len(methods) != len(paths):
        raise ValueError(
            f"{len(paths)} data file(s), {len(folders)} image folder(s) and {len(methods)} reward method(s): "
            "give one folder (and one method, if any) per file, joined with ':'"
        )
    for file, folder, method in zip(paths, folders, methods, strict=True):
        for row, record in iter_json_records(file):
            yield Produced(
                str(file),
                row,
                lambda r=record, f=file, i=row, d=folder, m=method: _example(
                    r, f, i, d, m, answer_reward, target, data_source
                ),
            )
