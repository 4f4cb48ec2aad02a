"""Where source rows and their images come from: tables in several containers, image values in several shapes.

A "table" is a parquet / JSON / JSONL file, a folder of such files, or a local HF `datasets`
directory (`save_to_disk`). Rows come out one at a time with the file they came from, so every
error can name file and row. Image values may be HF `{"bytes", "path"}` structs, raw bytes, or
paths resolved against image roots.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vision_r1.data.convert.json_stream import iter_json_records
from vision_r1.data.example import RowError
from vision_r1.data.images import ImageError, read_image_file, resolve_image_path
from vision_r1.data.parquet_io import iter_rows

TABLE_SUFFIXES = (".parquet", ".json", ".jsonl")


@dataclass(frozen=True)
class SourceRow:
    file: str
    row: int
    record: Any


def _iter_hf_saved(directory: Path, split: str | None) -> Iterator[SourceRow]:
    """A `save_to_disk` directory: arrow files are memory-mapped, so iterating stays flat in memory."""
    import datasets

    loaded = datasets.load_from_disk(str(directory))
    if isinstance(loaded, datasets.DatasetDict):
        name = split or ("train" if "train" in loaded else next(iter(loaded)))
        if name not in loaded:
            raise ValueError(f"{directory}: no split {name!r} (has {sorted(loaded)})")
        loaded = loaded[name]
    for column, feature in loaded.features.items():
        undecoded = _undecoded_image_feature(feature)
        if undecoded is not None:  # keep images as encoded bytes instead of decoding each to PIL
            loaded = loaded.cast_column(column, undecoded)
    for row, record in enumerate(loaded):
        yield SourceRow(str(directory), row, record)


def _undecoded_image_feature(feature: Any) -> Any:
    """The same image feature with decoding off, or None when the column holds no images."""
    import datasets

    if isinstance(feature, datasets.Image):
        return datasets.Image(decode=False)
    if isinstance(feature, list) and feature and isinstance(feature[0], datasets.Image):
        return [datasets.Image(decode=False)]
    if isinstance(feature, datasets.List) and isinstance(feature.feature, datasets.Image):
        return datasets.List(datasets.Image(decode=False))
    return None


def table_files(path: Path) -> list[Path]:
    """The data files of a table path, in a stable order."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in TABLE_SUFFIXES and p.is_file())
        if not files:
            raise ValueError(f"{path}: no {'/'.join(TABLE_SUFFIXES)} files inside")
        return files
    raise FileNotFoundError(f"{path}: no such file or directory")


def iter_table(path: str | os.PathLike[str], split: str | None = None) -> Iterator[SourceRow]:
    """Rows of a table file, a folder of table files, or a local HF datasets directory."""
    root = Path(path)
    if root.is_dir() and ((root / "dataset_info.json").exists() or (root / "dataset_dict.json").exists()):
        yield from _iter_hf_saved(root, split)
        return
    for file in table_files(root):
        if file.suffix == ".parquet":
            for row, record in enumerate(iter_rows(file)):
                yield SourceRow(str(file), row, record)
        else:
            for row, record in iter_json_records(file):
                yield SourceRow(str(file), row, record)


def image_bytes(value: Any, roots: list[Path], field: str = "images") -> bytes:
    """Encoded bytes of one image value: `{"bytes", "path"}`, bytes, or a path (relative to `roots`)."""
    try:
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        if isinstance(value, dict):
            if value.get("bytes"):
                return bytes(value["bytes"])
            if value.get("path"):
                return read_image_file(resolve_image_path(value["path"], roots))
            raise RowError(field, "image record has neither bytes nor path")
        if isinstance(value, str | os.PathLike):
            return read_image_file(resolve_image_path(os.fspath(value), roots))
    except ImageError as error:
        raise RowError(field, str(error)) from error
    raise RowError(field, f"unsupported image value of type {type(value).__name__}")


def image_list(value: Any, roots: list[Path], field: str = "images") -> list[bytes]:
    """All images of a row whose image column holds one value or a list of them."""
    if value is None:
        raise RowError(field, "missing")
    values = value if isinstance(value, list | tuple) else [value]
    return [image_bytes(item, roots, field) for item in values]


def split_paths(spec: str | None) -> list[Path]:
    """`a:b:c` (VLM-R1 style) into paths; empty means no roots."""
    return [Path(part) for part in spec.split(":") if part] if spec else []
