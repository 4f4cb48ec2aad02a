"""Shape scenes: count coloured shapes, find one shape (REC), detect every shape of a kind (detection)."""

from __future__ import annotations

import json
import random

from vision_r1.data.prompts import detection_question, rec_question
from vision_r1.data.synth.drawing import CANVAS, COLORS, SHAPES, Shape, canvas, draw_shape, random_slots
from vision_r1.data.synth.items import SynthItem, maybe_multiple_choice


def _scene(rng: random.Random, target: tuple[str, str], targets: int, distractors: int) -> list[Shape]:
    """`targets` shapes of the (color, kind) target plus distractors of any other combination."""
    others = [(color, kind) for color in COLORS for kind in SHAPES if (color, kind) != target]
    boxes = random_slots(rng, targets + distractors)
    combos = [target] * targets + [rng.choice(others) for _ in range(distractors)]
    return [Shape(kind=kind, color=color, box=box) for (color, kind), box in zip(combos, boxes, strict=True)]


def _render(shapes: list[Shape]):
    image, draw = canvas()
    for shape in shapes:
        draw_shape(draw, shape)
    return image


def _random_target(rng: random.Random) -> tuple[str, str]:
    return rng.choice(list(COLORS)), rng.choice(SHAPES)


def counting(rng: random.Random) -> SynthItem:
    target = _random_target(rng)
    count = rng.randint(1, 6)
    shapes = _scene(rng, target, count, rng.randint(1, 6))
    question = f"How many {target[0]} {target[1]}s are there in the image?"
    item = SynthItem("counting", _render(shapes), question, str(count))
    return maybe_multiple_choice(rng, item)


def referring(rng: random.Random) -> SynthItem:
    """Exactly one shape matches the expression, so the box answer is unique."""
    target = _random_target(rng)
    shapes = _scene(rng, target, 1, rng.randint(2, 7))
    box = list(shapes[0].box)
    question = rec_question(f"the {target[0]} {target[1]}", "pixel", (CANVAS, CANVAS))
    return SynthItem("rec", _render(shapes), question, json.dumps(box), kind="rec")


def detection(rng: random.Random) -> SynthItem:
    """Zero to four instances of the category; the answer lists every box (possibly none)."""
    target = _random_target(rng)
    shapes = _scene(rng, target, rng.randint(0, 4), rng.randint(1, 6))
    boxes = [list(shape.box) for shape in shapes if (shape.color, shape.kind) == target]
    question = detection_question(f"{target[0]} {target[1]}", "pixel", (CANVAS, CANVAS))
    return SynthItem("detection", _render(shapes), question, json.dumps(boxes), kind="detection")
