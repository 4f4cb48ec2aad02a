"""What a synthetic task returns, and how a free-form numeric question becomes a multiple-choice one."""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image

from vision_r1.data.prompts import choice_letter, format_choices

MULTIPLE_CHOICE_RATE = 0.3  # share of math questions asked with options


@dataclass
class SynthItem:
    """`kind` is "math", "rec", "detection", "ovd", "grounding" or "classification"; box answers are JSON
    text in pixel coordinates; `category` is the one category a detection row asks for."""

    task: str
    image: Image.Image
    question: str
    answer: str
    kind: str = "math"
    choices: list[str] | None = None
    category: str | None = None


def numeric_options(rng: random.Random, correct: int, count: int = 4) -> list[int]:
    """`count` distinct non-negative integers near `correct`, including it, in random order."""
    spread = max(3, abs(correct) // 4 + 2)
    options = {correct}
    while len(options) < count:
        candidate = correct + rng.randint(-spread, spread)
        if candidate >= 0:
            options.add(candidate)
    ordered = sorted(options)
    rng.shuffle(ordered)
    return ordered


def as_multiple_choice(rng: random.Random, item: SynthItem, options: list[str]) -> SynthItem:
    """Rewrite a free-form item with lettered options; the answer becomes the correct option's letter."""
    item.choices = options
    item.question = format_choices(item.question, options)
    item.answer = choice_letter(options.index(item.answer))
    return item


def maybe_multiple_choice(rng: random.Random, item: SynthItem) -> SynthItem:
    """Numeric math items become multiple choice at MULTIPLE_CHOICE_RATE."""
    if rng.random() >= MULTIPLE_CHOICE_RATE:
        return item
    options = [str(value) for value in numeric_options(rng, int(item.answer))]
    return as_multiple_choice(rng, item, options)
