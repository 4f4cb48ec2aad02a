"""Export an SFT parquet set to LLaMA-Factory's ShareGPT layout, for users who train SFT there.

Writes `OUT/<name>.json` (a JSON array of `{"messages": [{role, content}], "images": [paths]}`),
the images under `OUT/images/`, and `OUT/dataset_info.json` registering the set with the
`sharegpt` formatting, so `dataset: <name>` with `dataset_dir: OUT` works as is.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from vision_r1.data.parquet_io import iter_rows

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}


def _extension(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        return EXTENSIONS.get(image.format or "", "png")


def dataset_info(name: str) -> dict:
    return {
        name: {
            "file_name": f"{name}.json",
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "images": "images"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }
    }


def export_sharegpt(sft_parquet: str | Path, out_dir: str | Path, name: str = "vision_r1_sft") -> int:
    """Stream the SFT set out as LLaMA-Factory ShareGPT JSON; returns the number of rows."""
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rows = 0
    with (out / f"{name}.json").open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for index, row in enumerate(iter_rows(sft_parquet)):
            paths = []
            for position, image in enumerate(row["images"] or []):
                relative = Path("images") / f"{index:08d}_{position}.{_extension(image['bytes'])}"
                (out / relative).write_bytes(image["bytes"])
                paths.append(relative.as_posix())
            record = {"messages": row["messages"], "images": paths}
            handle.write(("" if index == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
            rows += 1
        handle.write("\n]\n")
    (out / "dataset_info.json").write_text(json.dumps(dataset_info(name), indent=2) + "\n")
    return rows
