"""Math figures: arithmetic on rendered numbers, bar-chart reading, facts in a labelled triangle.

Every number the answer depends on is drawn as text in the image, so the answer is exact and can
only be found by reading the picture.
"""

from __future__ import annotations

import math
import random

from vision_r1.data.synth.drawing import CANVAS, canvas, draw_text_centered, font
from vision_r1.data.synth.items import SynthItem, as_multiple_choice, maybe_multiple_choice

OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "×": lambda a, b: a * b}


def arithmetic(rng: random.Random) -> SynthItem:
    """Either an expression to evaluate, or two numbers in boxes to combine as the question says."""
    image, draw = canvas()
    if rng.random() < 0.5:
        symbol = rng.choice(list(OPERATIONS))
        a, b = (
            (rng.randint(2, 12), rng.randint(2, 12))
            if symbol == "×"
            else (rng.randint(10, 99), rng.randint(1, 60))
        )
        a, b = (max(a, b), min(a, b)) if symbol == "-" else (a, b)
        draw_text_centered(draw, (CANVAS / 2, CANVAS / 2), f"{a} {symbol} {b} = ?", 30)
        item = SynthItem("arithmetic", image, "What is the value of the expression in the image?", "")
        item.answer = str(OPERATIONS[symbol](a, b))
    else:
        a, b = rng.randint(1, 50), rng.randint(1, 50)
        for center, value in (((60, 112), a), ((164, 112), b)):
            draw.rectangle(
                (center[0] - 40, center[1] - 30, center[0] + 40, center[1] + 30), outline="black", width=2
            )
            draw_text_centered(draw, center, str(value), 28)
        wording, value = rng.choice([("sum", a + b), ("product", a * b), ("absolute difference", abs(a - b))])
        question = f"What is the {wording} of the two numbers shown in the image?"
        item = SynthItem("arithmetic", image, question, str(value))
    return maybe_multiple_choice(rng, item)


BAR_LABELS = ("cat", "dog", "fox", "owl", "bee")  # words, so they never read like option letters
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 36, 214, 14, 194
CHART_MAX = 10


def _draw_bar_chart(values: list[int]):
    image, draw = canvas()
    unit = (CHART_BOTTOM - CHART_TOP) / CHART_MAX
    for tick in range(CHART_MAX + 1):
        y = CHART_BOTTOM - tick * unit
        draw.line((CHART_LEFT, y, CHART_RIGHT, y), fill=(200, 200, 200) if tick % 2 else (150, 150, 150))
        if tick % 2 == 0:
            draw.text((CHART_LEFT - 6, y), str(tick), fill="black", font=font(12), anchor="rm")
    draw.line((CHART_LEFT, CHART_TOP, CHART_LEFT, CHART_BOTTOM), fill="black", width=2)
    draw.line((CHART_LEFT, CHART_BOTTOM, CHART_RIGHT, CHART_BOTTOM), fill="black", width=2)
    step = (CHART_RIGHT - CHART_LEFT) / len(values)
    for position, value in enumerate(values):
        x1 = CHART_LEFT + position * step + step * 0.2
        x2 = CHART_LEFT + (position + 1) * step - step * 0.2
        draw.rectangle((x1, CHART_BOTTOM - value * unit, x2, CHART_BOTTOM - 1), fill=(31, 90, 200))
        draw.text(
            ((x1 + x2) / 2, CHART_BOTTOM + 4), BAR_LABELS[position], fill="black", font=font(12), anchor="ma"
        )
    return image


def bar_chart(rng: random.Random) -> SynthItem:
    """Integer bar heights on a gridded axis; ask a value, the total, or the tallest bar."""
    count = rng.randint(3, len(BAR_LABELS))
    values = [rng.randint(1, CHART_MAX) for _ in range(count)]
    labels = list(BAR_LABELS[:count])
    image = _draw_bar_chart(values)
    ask = rng.choice(["value", "total", "largest"])
    largest = max(values)
    if ask == "largest" and values.count(largest) == 1:
        item = SynthItem(
            "bar_chart", image, "Which bar in the chart has the largest value?", labels[values.index(largest)]
        )
        return as_multiple_choice(rng, item, labels)
    if ask == "total":
        item = SynthItem(
            "bar_chart", image, "What is the sum of the values of all bars in the chart?", str(sum(values))
        )
    else:
        position = rng.randrange(count)
        question = f"What is the value of the bar labelled '{labels[position]}' in the chart?"
        item = SynthItem("bar_chart", image, question, str(values[position]))
    return maybe_multiple_choice(rng, item)


PYTHAGOREAN_TRIPLES = ((3, 4, 5), (5, 12, 13), (6, 8, 10), (8, 15, 17), (7, 24, 25), (9, 12, 15))


def _triangle_vertices(angle_a: float, angle_b: float) -> list[tuple[float, float]]:
    """Vertices A (bottom left), B (bottom right), C (apex) with the given base angles, fitted to the canvas."""
    base = 1.0
    ta, tb = math.tan(math.radians(angle_a)), math.tan(math.radians(angle_b))
    cx = base * tb / (ta + tb)
    cy = cx * ta
    scale = min(150 / base, 150 / cy)
    left = (CANVAS - base * scale) / 2
    bottom = CANVAS - 40
    return [(left, bottom), (left + base * scale, bottom), (left + cx * scale, bottom - cy * scale)]


def _inside_angle(vertices: list[tuple[float, float]], corner: int, clearance: float) -> tuple[float, float]:
    """A point on the vertex's angle bisector, `clearance` pixels away from both sides (where a label goes)."""
    x, y = vertices[corner]
    direction = [0.0, 0.0]
    for other in (vertices[(corner + 1) % 3], vertices[(corner + 2) % 3]):
        length = math.dist((x, y), other)
        direction[0] += (other[0] - x) / length
        direction[1] += (other[1] - y) / length
    norm = math.hypot(*direction)
    half_angle_sine = math.sqrt(max(1e-6, 1 - (norm / 2) ** 2))  # |u + v| = 2 cos(angle / 2)
    distance = max(2 * clearance, clearance / half_angle_sine)
    return x + direction[0] / norm * distance, y + direction[1] / norm * distance


def triangle(rng: random.Random) -> SynthItem:
    """Angle sum (two base angles labelled) or a right triangle's hypotenuse (legs labelled)."""
    image, draw = canvas()
    if rng.random() < 0.5:
        angle_a, angle_b = rng.randint(30, 80), rng.randint(30, 80)
        vertices = _triangle_vertices(angle_a, angle_b)
        labels = {0: f"{angle_a}°", 1: f"{angle_b}°"}
        question = "In triangle ABC, what is the measure of angle C in degrees?"
        answer = str(180 - angle_a - angle_b)
    else:
        leg_a, leg_b, hypotenuse = rng.choice(PYTHAGOREAN_TRIPLES)
        vertices = _triangle_vertices(90, math.degrees(math.atan2(leg_a, leg_b)))
        labels = {}
        draw_text_centered(draw, ((vertices[0][0] + vertices[1][0]) / 2, vertices[0][1] + 12), str(leg_b), 16)
        draw_text_centered(draw, (vertices[0][0] - 14, (vertices[0][1] + vertices[2][1]) / 2), str(leg_a), 16)
        question = "Triangle ABC has a right angle at A. What is the length of side BC?"
        answer = str(hypotenuse)
    draw.polygon(vertices, outline="black", width=2)
    offsets = [(-12, 10), (12, 10), (0, -12)]
    for position, (name, (x, y)) in enumerate(zip("ABC", vertices, strict=True)):
        draw_text_centered(draw, (x + offsets[position][0], y + offsets[position][1]), name, 16)
        if position in labels:
            draw_text_centered(draw, _inside_angle(vertices, position, 16), labels[position], 13)
    item = SynthItem("triangle", image, question, answer)
    return maybe_multiple_choice(rng, item)
