"""Image payloads as the dataset files carry them: `{"bytes": <encoded image>}` records.

Every file we write embeds the encoded image (PNG for images we draw, the original bytes for
images we read), so a dataset is one self-contained file that verl can load on any machine.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image


class ImageError(ValueError):
    """An image that is missing or cannot be decoded; the message names the source."""


def encode_png(image: Image.Image) -> bytes:
    """PNG-encode a PIL image (lossless, so drawn digits and edges stay exact)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def image_record(data: bytes) -> dict[str, bytes]:
    """The `{"bytes": ...}` struct that verl's datasets decode with PIL."""
    return {"bytes": data}


def decoded_size(data: bytes, source: str = "image") -> tuple[int, int]:
    """Fully decode `data` (catches truncated files, not just bad headers) and return (width, height)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.size
    except Exception as error:  # PIL raises many types for bad data; report them all the same way
        raise ImageError(f"{source}: cannot decode image ({type(error).__name__}: {error})") from error


def read_image_file(path: str | os.PathLike[str]) -> bytes:
    """Raw bytes of an image file, with a clear error when it is missing."""
    file = Path(path)
    if not file.is_file():
        raise ImageError(f"{file}: image file not found")
    return file.read_bytes()


def resolve_image_path(name: str, roots: list[Path]) -> Path:
    """Find `name` (absolute, or relative to one of `roots`, tried in order); errors list what was tried."""
    candidate = Path(name)
    if candidate.is_absolute():
        return candidate
    for root in roots:
        if (root / candidate).is_file():
            return root / candidate
    tried = ", ".join(str(root / candidate) for root in roots) or name
    raise ImageError(f"image {name!r} not found (tried {tried})")
