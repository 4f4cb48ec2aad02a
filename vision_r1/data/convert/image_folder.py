"""Few-shot classification sets from a class-per-folder image layout (Visual-RFT's fine-grained sets).

`ROOT/<class name>/<image files>` (torchvision's ImageFolder layout, the usual way flowers102, pets37,
cars196 and FGVC-aircraft are unpacked) becomes one `classification` row per image: the question
asks for the class in the dataset's words, the answer is the folder name (underscores read as
spaces). `shots=K` keeps K images per class, drawn with a seed per class, so a 4-shot set holds the
images of the 2-shot set and more; without `shots` every image is kept (a test split).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from vision_r1.data.convert.runner import Produced
from vision_r1.data.example import Example, RowError
from vision_r1.data.images import ImageError, read_image_file

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})
# What the question calls an image's subject and its class, per dataset (Visual-RFT's wording).
SUBJECTS = {
    "flowers102": ("flower", "species"),
    "pets37": ("pet", "breed"),
    "cars196": ("car", "make and model"),
    "aircraft": ("aircraft", "variant"),
}


def class_question(data_source: str) -> str:
    subject, what = SUBJECTS.get(data_source, ("object", "category"))
    return (
        f"This is an image containing a {subject}. Please identify the {what} of the {subject} based on "
        "the image. Answer with its name only."
    )


def few_shot_files(root: Path, shots: int | None, seed: int) -> list[tuple[str, Path]]:
    """(class, image file) pairs: every image, or `shots` per class drawn with a per-class seed."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    classes = sorted(path for path in root.iterdir() if path.is_dir())
    if not classes:
        raise ValueError(f"{root}: expected one sub-folder per class, found none")
    chosen = []
    for folder in classes:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        order = list(files)
        random.Random(f"{seed}:{folder.name}").shuffle(order)  # a prefix of one fixed order per class
        kept = files if shots is None else sorted(order[:shots])
        chosen += [(folder.name, path) for path in kept]
    return chosen


def _example(label: str, path: Path, data_source: str, root: Path) -> Example:
    try:
        image = read_image_file(path)
    except ImageError as error:
        raise RowError("image", str(error)) from error
    name = label.replace("_", " ").strip()
    return Example(
        id=str(path.relative_to(root)),
        data_source=data_source,
        images=[image],
        question=class_question(data_source),
        answer=name,
        reward="classification",
        category=name,
    )


def image_folder_rows(
    root: str | Path, data_source: str = "image_folder", shots: int | None = None, seed: int = 0
) -> Iterator[Produced]:
    base = Path(root)
    for row, (label, path) in enumerate(few_shot_files(base, shots, seed)):
        yield Produced(str(path), row, lambda name=label, p=path: _example(name, p, data_source, base))
