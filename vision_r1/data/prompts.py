"""Prompt templates for RL rows, and the wording of box (REC / detection) questions.

A template decides what the policy sees around the question: Vision-R1 after cold start uses no
system prompt and the bare question (the SFT data taught the format); Vision-R1-Zero starts from
the base model, so an R1-style system prompt asks for <think>/<answer>. Box prompts always state
the coordinate space, because the reward compares numbers and the model must know their scale.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

IMAGE_TAG = "<image>"

R1_SYSTEM_PROMPT = (
    "A conversation between User and Assistant. The User asks a question and the Assistant solves it. "
    "The Assistant first thinks through the reasoning process in its mind and then gives the User the "
    "answer. The reasoning process and the answer are enclosed within <think> </think> and "
    "<answer> </answer> tags respectively, i.e. <think> reasoning process here </think>"
    "<answer> answer here </answer>."
)

THINK_INSTRUCTION = (
    " Output the thinking process in <think> </think> and the final answer in <answer> </answer> tags."
)


@dataclass(frozen=True)
class PromptTemplate:
    """`system` (or None for no system turn) and a `user` format string with a `{question}` field."""

    name: str
    system: str | None
    user: str = "{question}"

    def render_user(self, question: str) -> str:
        return self.user.format(question=question)


TEMPLATES: dict[str, PromptTemplate] = {
    "vision_r1": PromptTemplate("vision_r1", system=None),
    "zero": PromptTemplate("zero", system=R1_SYSTEM_PROMPT),
    "think_instruction": PromptTemplate(
        "think_instruction", system=None, user="{question}" + THINK_INSTRUCTION
    ),
}


def load_template(name_or_path: str | os.PathLike[str]) -> PromptTemplate:
    """A built-in template by name, or a YAML file with `system` (optional) and `user` keys."""
    key = str(name_or_path)
    if key in TEMPLATES:
        return TEMPLATES[key]
    path = Path(name_or_path)
    if not path.is_file():
        raise ValueError(f"unknown prompt template {key!r}: not one of {sorted(TEMPLATES)} and not a file")
    spec = yaml.safe_load(path.read_text()) or {}
    user = spec.get("user", "{question}")
    if "{question}" not in user:
        raise ValueError(f"{path}: field 'user' must contain {{question}}")
    return PromptTemplate(name=path.stem, system=spec.get("system"), user=user)


def with_image_tags(text: str, image_count: int) -> str:
    """Put one `<image>` per image before the text, unless the text already places its own tags."""
    if IMAGE_TAG in text:
        return text
    return IMAGE_TAG * image_count + text


def format_choices(question: str, choices: list[str]) -> str:
    """Append lettered options; the ground truth of a multiple-choice row is the option's letter."""
    lines = [f"({chr(ord('A') + i)}) {choice}" for i, choice in enumerate(choices)]
    return question.rstrip() + "\nChoices:\n" + "\n".join(lines)


def choice_letter(index: int) -> str:
    return chr(ord("A") + index)


COORDINATE_SPACES = ("pixel", "model_input", "norm1000")


def describe_coordinates(space: str, size: tuple[int, int]) -> str:
    """The sentence that tells the model which numbers a box is made of."""
    if space == "pixel":
        return f"in pixel coordinates of the {size[0]}x{size[1]} image"
    if space == "model_input":
        return f"in pixel coordinates of the image as you see it ({size[0]}x{size[1]} pixels)"
    if space == "norm1000":
        return "as integers from 0 to 1000 relative to the image width and height"
    raise ValueError(f"unknown coordinate space {space!r}; expected one of {COORDINATE_SPACES}")


def box_instruction(space: str, size: tuple[int, int], multiple: bool) -> str:
    """The sentence appended to a source's own box question, so it states our coordinate space."""
    what = "every box" if multiple else "the bounding box"
    return f" Give {what} as [x1, y1, x2, y2] {describe_coordinates(space, size)}."


def rec_question(expression: str, space: str, size: tuple[int, int]) -> str:
    """Referring-expression question: one box, `[x1, y1, x2, y2]`."""
    return (
        f"Locate {expression.strip()} in the image. Answer with its bounding box as [x1, y1, x2, y2] "
        f"{describe_coordinates(space, size)}."
    )


def _list_question(what: str, item: str, space: str, size: tuple[int, int], extra: str = "") -> str:
    boxes = describe_coordinates(space, size)
    return (
        f"Detect every {what} in the image. Answer with a JSON list [{item}, ...] with boxes {boxes}{extra}; "
        "answer [] if there is none."
    )


def detection_question(category: str, space: str, size: tuple[int, int]) -> str:
    """Category detection in the Visual-RFT answer format (positions with confidences, or none)."""
    item = '{"Position": [x1, y1, x2, y2], "Confidence": c}'
    return _list_question(category.strip(), item, space, size, " and confidences between 0 and 1")


def ovd_question(categories: list[str], space: str, size: tuple[int, int]) -> str:
    """Open-vocabulary detection in VLM-R1's answer format: labelled boxes for every listed category."""
    names = ", ".join(categories[:-1]) + f" and {categories[-1]}" if len(categories) > 1 else categories[0]
    return _list_question(names, '{"bbox_2d": [x1, y1, x2, y2], "label": "<category>"}', space, size)


def grounding_question(description: str, space: str, size: tuple[int, int]) -> str:
    """Reasoning grounding (LISA style): the object is described by what it is like, not named."""
    return (
        f"Find {description.strip()}. Answer with its bounding box as (x1, y1), (x2, y2) "
        f"{describe_coordinates(space, size)}."
    )
