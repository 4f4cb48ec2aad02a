"""The SFT set as a training run reads it: image bytes moved out of the parquet into files.

verl's `MultiTurnSFTDataset` reads the whole parquet into pandas in every torchrun rank, image bytes
included: `benchmarks/sft_host_memory.py` measured 335 KiB per row with 150 KB images, about 64 GiB
per rank (512 GiB per 8-rank node) for the paper's 200K rows. verl also accepts an image record
`{"image": PATH}` (`verl.utils.dataset.vision_utils.process_image` hands it to qwen_vl_utils'
`fetch_image`, which opens the file when the row is batched), so the SFT stage trains on a copy of the
set whose image records are paths: a rank then holds the conversations only.

The copy is written once per source file, streaming (memory flat in the row count). Image files are
named by a hash of their bytes, so an image repeated across rows is stored once and a conversion
interrupted by a kill finds the files it already wrote; the parquet is renamed into place only when
complete, and a small record of the source (size, mtime) says whether an existing copy is current.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vision_r1.data.parquet_io import ROWS_PER_GROUP, StreamingParquetWriter

IMAGES = "images"
IMAGE_PATH = pa.struct([("image", pa.string())])
SUFFIXES = ((b"\x89PNG", ".png"), (b"\xff\xd8", ".jpg"), (b"GIF8", ".gif"), (b"RIFF", ".webp"))


class SftImageError(ValueError):
    """An image record that carries neither bytes nor a path; the message names file, row and field."""


@dataclass(frozen=True)
class ImagesOnDisk:
    rows: int
    images: int
    files_written: int


def images_to_files(
    source: str | os.PathLike[str], target: str | os.PathLike[str], image_dir: str | os.PathLike[str]
) -> ImagesOnDisk:
    """Write `target`: `source` with each image record `{"bytes": ...}` replaced by `{"image": PATH}`
    of a file in `image_dir`. Records that already name a file keep it. Does nothing when `target`
    was made from this very `source` file."""
    source, target, image_dir = Path(source), Path(target), Path(image_dir)
    record = _source_record(source)
    done = _done_path(target)
    previous = json.loads(done.read_text()) if done.is_file() else {}
    if target.is_file() and previous.get("source") == record:
        return ImagesOnDisk(**previous["counts"])
    done.unlink(missing_ok=True)
    file = pq.ParquetFile(source)
    if IMAGES not in file.schema_arrow.names:
        raise SftImageError(f"{source}: no {IMAGES!r} column (an SFT set has messages and images)")
    schema = file.schema_arrow.set(
        file.schema_arrow.get_field_index(IMAGES), pa.field(IMAGES, pa.list_(IMAGE_PATH))
    )
    image_dir.mkdir(parents=True, exist_ok=True)
    rows = images = written = 0
    with StreamingParquetWriter(target, schema) as writer:
        for batch in file.iter_batches(batch_size=ROWS_PER_GROUP):
            for row in batch.to_pylist():
                paths = []
                for position, image in enumerate(row[IMAGES] or []):
                    path, new = _image_path(
                        image, image_dir, f"{source}: row {rows}, field '{IMAGES}[{position}]'"
                    )
                    paths.append({"image": path})
                    written += new
                images += len(paths)
                writer.write({**row, IMAGES: paths})
                rows += 1
    counts = {"rows": rows, "images": images, "files_written": written}
    done.write_text(json.dumps({"source": record, "counts": counts}) + "\n")
    return ImagesOnDisk(**counts)


def _image_path(image: dict[str, Any] | None, image_dir: Path, where: str) -> tuple[str, bool]:
    """The file holding this image record, and whether it had to be written now."""
    image = image or {}
    data = image.get("bytes")
    if data:
        digest = hashlib.sha256(data).hexdigest()
        suffix = next((suffix for magic, suffix in SUFFIXES if data.startswith(magic)), ".img")
        path = image_dir / digest[:2] / f"{digest}{suffix}"
        if path.is_file():
            return str(path), False
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)
        return str(path), True
    named = image.get("image") or image.get("path")
    if isinstance(named, str) and named:
        return named, False
    raise SftImageError(f"{where}: an image record needs 'bytes' or a file path ('image' or 'path')")


def _source_record(source: Path) -> dict[str, Any]:
    stat = source.stat()
    return {"path": str(source.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _done_path(target: Path) -> Path:
    return target.with_name(target.name + ".source.json")
