"""What the `vision-r1 data convert` tests share: run the command (and read what it wrote), draw an
image, write VLM-R1 rows, read its rejects."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from vision_r1.cli import app
from vision_r1.data import iter_rows

runner = CliRunner()


def save_png(path: Path, size: tuple[int, int] = (64, 48), color: str = "red") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def convert(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["data", "convert", *args])
    return result.exit_code, result.output


def converted_rows(source: str, out: Path, *options: str) -> list[dict]:
    """Convert `source` into `out`, which must succeed, and return the rows written."""
    code, output = convert(source, str(out), *options)
    assert code == 0, output
    return list(iter_rows(out))


def rejected(out: Path) -> list[dict]:
    path = out.with_name(out.name + ".rejected.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def vlm_r1_row(row_id: object, image: object, question: str, answer: str, **fields: object) -> dict:
    """One VLM-R1 JSONL record: a human turn and a gpt turn in ShareGPT's from/value form."""
    turns = [{"from": "human", "value": question}, {"from": "gpt", "value": answer}]
    return {"id": row_id, "image": image, **fields, "conversations": turns}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows))
    return path
