"""Helpers for the verl-on-CPU tests: small parquets with PNG images, metrics reading.

The parquets follow the shared-contract formats (stand-ins until the data branch's writers land):
each row shows a few coloured circles and asks how many there are, so answers and rewards are real
(even if the tiny random model rarely gets them right).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw

from vision_r1.verl_cpu.launch import cpu_env
from vision_r1.verl_cpu.supervise import RunResult, run_supervised

COLORS = ["red", "blue", "green"]


def shapes_png(count: int, color: str, size: tuple[int, int] = (84, 56)) -> bytes:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for index in range(count):
        x = 4 + index * 18
        draw.ellipse((x, 16, x + 14, 30), fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _question(color: str) -> str:
    return f"How many {color} circles are in the image?"


def write_sft_parquet(path: Path, rows: int = 8) -> Path:
    """`messages` + `images`: assistant turns in the cold-start `<think>..</think><answer>..</answer>` form."""
    records = []
    for index in range(rows):
        count, color = 1 + index % 4, COLORS[index % len(COLORS)]
        records.append(
            {
                "messages": [
                    {"role": "user", "content": f"<image>{_question(color)}"},
                    {
                        "role": "assistant",
                        "content": f"<think>I count the {color} circles: {count}.</think><answer>{count}</answer>",
                    },
                ],
                "images": [{"bytes": shapes_png(count, color)}],
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(records).to_parquet(path)
    return path


def write_rl_parquet(path: Path, rows: int = 8) -> Path:
    """verl RL format: `data_source`, `prompt`, `images`, `ability`, `reward_model`, `extra_info`."""
    records = []
    for index in range(rows):
        count, color = 1 + index % 4, COLORS[index % len(COLORS)]
        question = _question(color)
        records.append(
            {
                "data_source": "synthetic/count",
                "prompt": [{"role": "user", "content": f"<image>{question}"}],
                "images": [{"bytes": shapes_png(count, color)}],
                "ability": "math",
                "reward_model": {"style": "rule", "ground_truth": str(count)},
                "extra_info": {
                    "index": index,
                    "question": question,
                    "answer": str(count),
                    "reward": "math",
                    "image_size": [84, 56],
                },
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(records).to_parquet(path)
    return path


def read_metrics(path: Path) -> dict[int, dict[str, float]]:
    """verl FileLogger jsonl -> {step: metrics}; empty if the launch logged nothing."""
    if not path.is_file():
        return {}
    return {row["step"]: row["data"] for row in map(json.loads, path.read_text().splitlines()) if row}


def run_on_cpu(
    command: list[str],
    *,
    workdir: Path,
    name: str,
    timeout_s: float,
    stop_when: Callable[[], bool] | None = None,
) -> RunResult:
    """Launch `command` on the CPU platform; log to `workdir/name.log`, metrics to `workdir/name.jsonl`."""
    env = {**os.environ, **cpu_env(), "VERL_FILE_LOGGER_PATH": str(workdir / f"{name}.jsonl")}
    return run_supervised(
        command,
        env=env,
        log_path=workdir / f"{name}.log",
        timeout_s=timeout_s,
        cwd=workdir,
        stop_when=stop_when,
    )
