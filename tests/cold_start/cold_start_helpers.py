"""Helpers for the cold-start tests: input tables with drawn images, an R1-like scripted responder, configs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw

from data_pipeline.chat import ChatRequest, Completion
from vision_r1.data import Example, encode_png, validate_example, write_coldstart_input

HINT = re.compile(r"The correct answer is (.+?)\. Reason")
QUESTION = re.compile(r"Question: (.+)")


def circles_png(count: int) -> bytes:
    image = Image.new("RGB", (84, 56), "white")
    draw = ImageDraw.Draw(image)
    for index in range(count):
        draw.ellipse((4 + 20 * index, 20, 20 + 20 * index, 36), fill="red")
    return encode_png(image)


def write_input(path: Path, count: int, *, answers: dict[int, str] | None = None) -> Path:
    """`count` counting questions `synthetic-i`: "How many red circles?" with answer str(i % 3 + 1)."""
    examples = [
        validate_example(
            Example(
                id=f"sample-{index}",
                data_source="unit/counting",
                images=[circles_png(index % 3 + 1)],
                question=f"How many red circles are there? (item {index})",
                answer=(answers or {}).get(index, str(index % 3 + 1)),
                reward="hfrrf",
            )
        )
        for index in range(count)
    ]
    write_coldstart_input(examples, path)
    return path


def r1_like_reply(request: ChatRequest, model: str, seed: int | None) -> Completion:
    """Plausible replies for each step, recognised by our built-in templates' wording. The reasoner
    thinks in description wording ("the description says") and states the hinted answer."""
    text = request.messages[-1].text
    asked = QUESTION.search(text)
    question = asked.group(1) if asked else text  # e.g. an outage probe's "ping"
    if "Reasoning process:" in text:
        return Completion("A white picture with red circles in one row; count them one by one.")
    if request.messages[-1].images:
        return Completion(
            "Caption: red circles on white.\nReasoning: 1. Count the circles. 2. That is the answer."
        )
    answer = HINT.search(text).group(1) if HINT.search(text) else "7"
    thinking = (
        f"The question: {question}. The description says the circles are in one row. "
        f"Let me count them. Wait, I should check each one. Counting gives {answer}."
    )
    return Completion(f"<think>\n{thinking}\n</think>\n\nThe count is {answer}.\nFinal Answer: {answer}")


def http_config(input_path: Path, output_dir: Path, url: str, **overrides: Any) -> dict[str, Any]:
    """A strict (paper-like) config pointing both roles at one local server."""
    endpoint = {
        "kind": "openai",
        "base_url": url,
        "model": "local",
        "max_concurrency": 4,
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
    }
    config: dict[str, Any] = {
        "input": str(input_path),
        "output_dir": str(output_dir),
        "vlm": dict(endpoint),
        "reasoner": dict(endpoint, model="local-reasoner"),
        "filters": {"min_thinking_tokens": 5},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def tiny_model_endpoint_config(tmp_path: Path, name: str, source: Path, url: str, **engine: Any) -> Path:
    """A config file `tmp_path/name.yaml` sending both roles to one server of the tiny model, with
    the shipped tiny config's steps and relaxed filters (tiny-model text is nonsense); `engine`
    settings are added to the endpoint."""
    tiny = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "data_pipeline/configs/tiny.yaml").read_text()
    )
    endpoint = {"kind": "openai", "base_url": url, "model": "tiny", **engine}
    config = {
        "input": str(source),
        "output_dir": str(tmp_path / name),
        "vlm": endpoint,
        "reasoner": endpoint,
        "steps": tiny["steps"],
        "filters": tiny["filters"],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path
