"""Any RL-format parquet (the verl layout every training set here uses) as an evaluation set.

Typical uses: a held-out split of the training data, the synthetic set, a grounding val set. The
prompt is taken as written (it is what the model was trained on), the ground truth from
`reward_model.ground_truth`, multiple-choice options from `extra_info.choices`, and the reward kind
from `extra_info.reward` (else the reward library's data-source mapping). Items are reported per
`data_source`. Item ids are `extra_info.index` when every row has a distinct one, else row numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vision_r1.evaluation.benchmarks.records import read_records, required
from vision_r1.evaluation.items import IMAGE_PLACEHOLDER, BenchmarkFormatError, EvalItem, image_bytes_from


def load_rl_parquet(path: Path) -> list[EvalItem]:
    if path.suffix != ".parquet":
        raise BenchmarkFormatError(f"{path}: an RL-format benchmark must be a .parquet file")
    rows = read_records(path)
    indexes = [(row.get("extra_info") or {}).get("index") for row in rows]
    use_index = None not in indexes and len({str(i) for i in indexes}) == len(rows)
    items = []
    for number, row in enumerate(rows):
        item_id = str(indexes[number]) if use_index else str(number)
        items.append(_item(row, f"{path}: row {number}", path.parent, item_id, str(path)))
    return items


def _item(row: dict[str, Any], where: str, base_dir: Path, item_id: str, source: str) -> EvalItem:
    messages = required(row, "prompt", where)
    if not isinstance(messages, list) or not all(isinstance(m, dict) and "role" in m for m in messages):
        raise BenchmarkFormatError(f"{where}: field 'prompt' must be a list of {{role, content}} messages")
    messages = [{"role": str(m["role"]), "content": str(m.get("content") or "")} for m in messages]
    images = [
        image_bytes_from(image, f"{where} field 'images'", (base_dir,)) for image in row.get("images") or []
    ]
    placeholders = sum(m["content"].count(IMAGE_PLACEHOLDER) for m in messages)
    if placeholders != len(images):
        raise BenchmarkFormatError(
            f"{where}: field 'prompt' has {placeholders} {IMAGE_PLACEHOLDER} placeholders but 'images' holds {len(images)}"
        )
    ground_truth = required(
        required(row, "reward_model", where), "ground_truth", f"{where} field 'reward_model'"
    )
    extra_info = dict(row.get("extra_info") or {})
    data_source = str(row.get("data_source") or "rl")
    return EvalItem(
        item_id=item_id,
        messages=messages,
        images=images,
        answer=ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth),
        choices=[str(c) for c in extra_info["choices"]] if extra_info.get("choices") else None,
        categories={"data_source": [data_source]},
        reward=str(extra_info.get("reward") or ""),
        data_source=data_source,
        extra_info=extra_info,
        source=source,
    )
