"""Drawing primitives shared by the synthetic tasks: canvas, palette, shapes, fonts, non-overlapping slots.

Images are 224x224: a multiple of 28 inside both Qwen2.5-VL's and the tiny model's pixel limits, so
the model sees the picture unresized and pixel boxes are also model-input boxes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

CANVAS = 224
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (214, 39, 40),
    "blue": (31, 90, 200),
    "green": (44, 160, 44),
    "yellow": (230, 190, 20),
    "purple": (148, 73, 189),
    "orange": (245, 127, 14),
}
SHAPES = ("circle", "square", "triangle")
GRID = 4  # the canvas is split into GRID x GRID slots; each shape gets its own slot, so none overlap
SLOT = CANVAS // GRID


@dataclass(frozen=True)
class Shape:
    kind: str
    color: str
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels, inclusive-exclusive like PIL

    @property
    def name(self) -> str:
        return f"{self.color} {self.kind}"


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (CANVAS, CANVAS), "white")
    return image, ImageDraw.Draw(image)


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_shape(draw: ImageDraw.ImageDraw, shape: Shape) -> None:
    x1, y1, x2, y2 = shape.box
    fill = COLORS[shape.color]
    if shape.kind == "circle":
        draw.ellipse((x1, y1, x2 - 1, y2 - 1), fill=fill)
    elif shape.kind == "square":
        draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=fill)
    elif shape.kind == "triangle":
        draw.polygon([((x1 + x2) / 2, y1), (x2 - 1, y2 - 1), (x1, y2 - 1)], fill=fill)
    else:
        raise ValueError(f"unknown shape {shape.kind!r}")


def random_slots(rng: random.Random, count: int) -> list[tuple[int, int, int, int]]:
    """`count` boxes in distinct grid slots, each with a random size and offset inside its slot."""
    if count > GRID * GRID:
        raise ValueError(f"at most {GRID * GRID} shapes fit on the canvas, asked for {count}")
    boxes = []
    for slot in rng.sample(range(GRID * GRID), count):
        side = rng.randint(SLOT // 2, SLOT - 8)
        left = (slot % GRID) * SLOT + rng.randint(2, SLOT - side - 2)
        top = (slot // GRID) * SLOT + rng.randint(2, SLOT - side - 2)
        boxes.append((left, top, left + side, top + side))
    return boxes


def draw_text_centered(draw: ImageDraw.ImageDraw, center: tuple[float, float], text: str, size: int) -> None:
    draw.text(center, text, fill="black", font=font(size), anchor="mm")
