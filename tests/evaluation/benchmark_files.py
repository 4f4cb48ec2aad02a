"""Writers of small benchmark folders in the public releases' real layouts and field names."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, ImageDraw


def png(label: int) -> bytes:
    """A distinct little diagram per label, so tests can tell images apart by their bytes."""
    image = Image.new("RGB", (56 + 8 * label, 56), "white")
    ImageDraw.Draw(image).line((0, 0, 40, 10 * label), fill="black", width=2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


MATHVISTA_ROWS = [
    {
        "pid": "1",
        "question": "What is the measure of angle ABC?",
        "image": "images/1.jpg",
        "choices": ["30°", "45°", "60°", "90°"],
        "unit": None,
        "precision": None,
        "answer": "60°",
        "question_type": "multi_choice",
        "answer_type": "text",
        "metadata": {
            "category": "math-targeted-vqa",
            "context": "geometry diagram",
            "grade": "high school",
            "img_height": 56,
            "img_width": 64,
            "language": "english",
            "skills": ["geometry reasoning", "algebraic reasoning"],
            "source": "Geometry3K",
            "split": "testmini",
            "task": "geometry problem solving",
        },
        "query": "Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, "
        "at the end.\nQuestion: What is the measure of angle ABC?\nChoices:\n(A) 30°\n(B) 45°\n(C) 60°\n(D) 90°",
    },
    {
        "pid": "2",
        "question": "How many bars are taller than 5?",
        "image": "images/2.jpg",
        "choices": None,
        "unit": None,
        "precision": None,
        "answer": "7",
        "question_type": "free_form",
        "answer_type": "integer",
        "metadata": {
            "skills": ["arithmetic reasoning"],
            "task": "figure question answering",
            "split": "testmini",
        },
        "query": "Hint: Please answer the question requiring an integer answer and provide the final value, "
        "e.g., 1, 2, 3, at the end.\nQuestion: How many bars are taller than 5?",
    },
    {
        "pid": "3",
        "question": "What is the average rainfall?",
        "image": "images/3.jpg",
        "choices": None,
        "unit": "cm",
        "precision": 2.0,
        "answer": "1.45",
        "question_type": "free_form",
        "answer_type": "float",
        "metadata": {
            "skills": ["arithmetic reasoning", "statistical reasoning"],
            "task": "math word problem",
            "split": "testmini",
        },
        "query": "Hint: Please answer the question requiring a floating-point number with two decimal places "
        "and provide the final value, e.g., 1.23, 1.34, 1.45, at the end.\nQuestion: What is the average rainfall?",
    },
]


def write_mathvista_json(root: Path) -> Path:
    """GitHub/HF layout: `annot_testmini.json` keyed by pid, images unpacked under `images/`."""
    (root / "images").mkdir(parents=True)
    for row in MATHVISTA_ROWS:
        (root / row["image"]).write_bytes(png(int(row["pid"])))
    (root / "annot_testmini.json").write_text(json.dumps({row["pid"]: row for row in MATHVISTA_ROWS}))
    return root


def write_mathvista_parquet(root: Path) -> Path:
    """HF parquet layout: `data/testmini-*.parquet` with the image bytes in `decoded_image`."""
    (root / "data").mkdir(parents=True)
    rows = [
        {**row, "decoded_image": {"bytes": png(int(row["pid"])), "path": row["image"]}}
        for row in MATHVISTA_ROWS
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "data" / "testmini-00000-of-00001.parquet")
    return root


def _mathverse_row(sample: int, version: str, question: str, image: str) -> dict:
    choices = "Choices:\nA:30°\nB:60°\nC:90°\nD:120°"
    shown = f"{question}\n{choices}" if question else ""
    return {
        "sample_index": str(sample),
        "problem_index": "1",
        "problem_version": version,
        "question": shown,
        "image": image,
        "answer": "B",
        "question_type": "multi-choice",
        "metadata": {
            "split": "testmini",
            "source": "GeoQA",
            "subject": "plane geometry",
            "subfield": "angle",
        },
        "query_wo": f"Please directly answer the question and provide the correct option letter.\nQuestion: {shown}",
        "query_cot": f"Please first conduct reasoning, and then answer the question and provide the correct "
        f"option letter, e.g., A, B, C, D, at the end.\nQuestion: {shown}",
        "question_for_eval": shown,
    }


def write_mathverse(root: Path, text_only: bool = True) -> Path:
    """HF layout: `testmini.json` (diagram versions) + optional `testmini_text_only.json`."""
    (root / "images_version_1-4").mkdir(parents=True)
    (root / "images_version_6").mkdir()
    (root / "images_version_1-4" / "image_1.png").write_bytes(png(1))
    (root / "images_version_6" / "image_1.png").write_bytes(png(6))
    question = "In triangle ABC, AB = AC and angle A = 60°. Find angle B."
    rows = [
        _mathverse_row(1, "Text Dominant", question, "images_version_1-4/image_1.png"),
        _mathverse_row(2, "Vision Intensive", "Find angle B.", "images_version_1-4/image_1.png"),
        _mathverse_row(3, "Vision Only", "", "images_version_6/image_1.png"),
    ]
    (root / "testmini.json").write_text(json.dumps(rows))
    if text_only:
        only = _mathverse_row(1, "Text Only", question, "")
        (root / "testmini_text_only.json").write_text(json.dumps([only]))
    return root


MM_MATH_ROWS = [
    {
        "question": "As shown in the figure, AB is the diameter of circle O and angle C = 30°. Find angle ABD.",
        "file_name": "1.png",
        "solution": "Since AB is a diameter, angle ADB = 90°, so angle ABD = \\boxed{60^\\circ}.",
        "year": "nine",
        "difficult": "easy",
        "knowledge": "circle",
    },
    {
        "question": "In the figure, find the length of DE.",
        "file_name": "2.png",
        "solution": "By similar triangles, DE = \\boxed{\\frac{5}{2}}.",
        "year": "eight",
        "difficult": "medium",
        "knowledge": "similar triangles",
    },
]


def write_mmmath(root: Path) -> Path:
    """Release layout: `MM_Math.jsonl` and the unpacked images under `images/`."""
    (root / "images").mkdir(parents=True)
    for number, row in enumerate(MM_MATH_ROWS, start=1):
        (root / "images" / row["file_name"]).write_bytes(png(number))
    (root / "MM_Math.jsonl").write_text("".join(json.dumps(row) + "\n" for row in MM_MATH_ROWS))
    return root


def rl_row(
    index: int, answer: str, question: str = "What is 2 + 3?", data_source: str = "synthetic_val"
) -> dict:
    return {
        "data_source": data_source,
        "prompt": [{"role": "user", "content": f"<image>{question}"}],
        "images": [{"bytes": png(index % 5)}],
        "ability": "math",
        "reward_model": {"style": "rule", "ground_truth": answer},
        "extra_info": {
            "index": index,
            "question": question,
            "answer": answer,
            "reward": "hfrrf",
            "choices": None,
        },
    }


def write_rl_parquet(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path
