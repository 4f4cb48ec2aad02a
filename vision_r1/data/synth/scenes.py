"""Shape scenes: count coloured shapes, find one shape (REC), detect every shape of a kind (detection),
detect several labelled kinds (open-vocabulary detection), find a shape by a property (reasoning
grounding), and name the one shape shown (fine-grained classification over colour x shape)."""

from __future__ import annotations

import json
import random

from vision_r1.data.prompts import detection_question, grounding_question, ovd_question, rec_question
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
    category = f"{target[0]} {target[1]}"
    question = detection_question(category, "pixel", (CANVAS, CANVAS))
    return SynthItem(
        "detection", _render(shapes), question, json.dumps(boxes), kind="detection", category=category
    )


def open_vocabulary(rng: random.Random) -> SynthItem:
    """Two shape kinds asked at once, zero to three of each, the third kind as distractors; labelled truth."""
    asked = sorted(rng.sample(SHAPES, 2))
    other = next(kind for kind in SHAPES if kind not in asked)
    kinds = [kind for kind in asked for _ in range(rng.randint(0, 3))] + [other] * rng.randint(1, 3)
    shapes = [
        Shape(kind=kind, color=rng.choice(list(COLORS)), box=box)
        for kind, box in zip(kinds, random_slots(rng, len(kinds)), strict=True)
    ]
    truth = [{"bbox_2d": list(s.box), "label": s.kind} for s in shapes if s.kind in asked]
    question = ovd_question(asked, "pixel", (CANVAS, CANVAS))
    return SynthItem("ovd", _render(shapes), question, json.dumps(truth), kind="ovd")


GROUNDING_DESCRIPTIONS = {
    "circle": "the shape that has no corners",
    "triangle": "the shape with exactly three corners",
    "square": "the shape whose four sides are all equal",
}


def grounding(rng: random.Random) -> SynthItem:
    """One shape of the described kind among shapes of the other kinds, so the box answer is unique."""
    target = rng.choice(SHAPES)
    others = [kind for kind in SHAPES if kind != target]
    kinds = [target] + [rng.choice(others) for _ in range(rng.randint(2, 5))]
    shapes = [
        Shape(kind=kind, color=rng.choice(list(COLORS)), box=box)
        for kind, box in zip(kinds, random_slots(rng, len(kinds)), strict=True)
    ]
    question = grounding_question(GROUNDING_DESCRIPTIONS[target], "pixel", (CANVAS, CANVAS))
    return SynthItem(
        "grounding", _render(shapes), question, json.dumps(list(shapes[0].box)), kind="grounding"
    )


def classification(rng: random.Random) -> SynthItem:
    """One shape; the class is its colour and kind (18 classes, like a small fine-grained set)."""
    target = _random_target(rng)
    side = rng.randint(CANVAS // 3, CANVAS - 40)
    left, top = rng.randint(8, CANVAS - side - 8), rng.randint(8, CANVAS - side - 8)
    image = _render([Shape(kind=target[1], color=target[0], box=(left, top, left + side, top + side))])
    question = "What is shown in the image? Answer with its colour and shape, for example 'green square'."
    label = f"{target[0]} {target[1]}"
    return SynthItem("classification", image, question, label, kind="classification", category=label)
