"""Writers of small benchmark folders in the public releases' real layouts and field names.

MathVista: the HF dataset (`data/testmini-*.parquet`, `annot_testmini.json` + `images/`) and the
GitHub clone (`data/testmini.json`, `data/query.json`, images unpacked into `data/images/`).
MathVerse: the HF dataset (`testmini.parquet`, `testmini_text_only.parquet`) and older snapshots
(`testmini.json` + image folders, `testmini_text-only.*`). MM-Math: `MM_Math.jsonl` + `Image.zip`
unpacked. Field names, types (precision as float in parquet, int in JSON) and values (Chinese
difficulty and grade labels) follow the releases.
"""

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


def _mathvista_row(pid: int, question: str, answer: str, kind: str, **fields) -> dict:
    hints = {
        "multi_choice": "Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the end.",
        "integer": "Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.",
        "float": "Please answer the question requiring a floating-point number with one decimal place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.",
    }
    choices = fields.get("choices")
    listed = (
        "\nChoices:\n" + "\n".join(f"({'ABCD'[i]}) {c}" for i, c in enumerate(choices)) if choices else ""
    )
    return {
        "pid": str(pid),
        "question": question,
        "image": f"images/{pid}.jpg",
        "choices": choices,
        "unit": fields.get("unit"),
        "precision": fields.get("precision"),
        "answer": answer,
        "question_type": "multi_choice" if choices else "free_form",
        "answer_type": "text" if choices else kind,
        "metadata": {
            "split": "testmini",
            "language": "english",
            "img_width": 64,
            "img_height": 56,
            "source": fields.get("source", "Geometry3K"),
            "category": "math-targeted-vqa",
            "task": fields["task"],
            "context": "geometry diagram",
            "grade": "high school",
            "skills": fields["skills"],
        },
        "query": f"Hint: {hints['multi_choice' if choices else kind]}\nQuestion: {question}{listed}",
    }


MATHVISTA_ROWS = [
    _mathvista_row(
        1,
        "What is the measure of angle ABC?",
        "60°",
        "text",
        choices=["30°", "45°", "60°", "90°"],
        task="geometry problem solving",
        skills=["geometry reasoning", "algebraic reasoning"],
    ),
    _mathvista_row(
        2,
        "How many bars are taller than 5?",
        "7",
        "integer",
        task="figure question answering",
        skills=["arithmetic reasoning"],
        source="DVQA",
    ),
    _mathvista_row(
        3,
        "By what distance d is the spring compressed?",
        "1.2",
        "float",
        precision=1,
        unit="m",
        task="textbook question answering",
        skills=["scientific reasoning", "arithmetic reasoning"],
        source="SciBench",
    ),
]


def write_mathvista_hf_parquet(root: Path) -> Path:
    """HF `AI4Math/MathVista`: `data/testmini-*.parquet`, image bytes in `decoded_image`, float precision."""
    (root / "data").mkdir(parents=True)
    rows = [
        {
            **row,
            "precision": None if row["precision"] is None else float(row["precision"]),
            "decoded_image": {"bytes": png(int(row["pid"])), "path": f"{row['pid']}.jpg"},
        }
        for row in MATHVISTA_ROWS
    ]
    pq.write_table(
        pa.Table.from_pylist(rows), root / "data" / "testmini-00000-of-00001-725687bf7a18d64b.parquet"
    )
    (root / "README.md").write_text("---\nconfigs:\n- config_name: default\n---\n# MathVista\n")
    return root


def write_mathvista_hf_json(root: Path) -> Path:
    """HF `AI4Math/MathVista`: `annot_testmini.json` keyed by pid, `images.zip` unpacked into `images/`."""
    (root / "images").mkdir(parents=True)
    for row in MATHVISTA_ROWS:
        (root / row["image"]).write_bytes(png(int(row["pid"])))
    (root / "annot_testmini.json").write_text(json.dumps({row["pid"]: row for row in MATHVISTA_ROWS}))
    return root


def write_mathvista_github(root: Path) -> Path:
    """GitHub `lupantech/MathVista`: `data/testmini.json` without `query`, prompts in `data/query.json`,
    images unpacked into `data/images/`; the rest of the repository around it."""
    data = root / "data"
    (data / "images").mkdir(parents=True)
    (root / "evaluation").mkdir()
    (root / "evaluation" / "calculate_score.py").write_text("# scorer\n")
    (root / "README.md").write_text("# MathVista\n")
    for row in MATHVISTA_ROWS:
        (data / row["image"]).write_bytes(png(int(row["pid"])))
    rows = {
        row["pid"]: {key: value for key, value in row.items() if key != "query"} for row in MATHVISTA_ROWS
    }
    (data / "testmini.json").write_text(json.dumps(rows, indent=4))
    (data / "query.json").write_text(json.dumps({row["pid"]: row["query"] for row in MATHVISTA_ROWS}))
    return root


def _mathverse_row(sample: int, version: str, shown: str, image: str | dict) -> dict:
    full = "In triangle ABC, AB = AC and angle A = 60°. Find angle B.\nChoices:\nA:30°\nB:60°\nC:90°\nD:120°"
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
        "query_cot": "Please first conduct reasoning, and then answer the question and provide the correct "
        f"option letter, e.g., A, B, C, D, at the end.\nQuestion: {shown}",
        "question_for_eval": full,
    }


def _mathverse_rows(image_for) -> tuple[list[dict], dict]:
    full = "In triangle ABC, AB = AC and angle A = 60°. Find angle B.\nChoices:\nA:30°\nB:60°\nC:90°\nD:120°"
    rows = [
        _mathverse_row(1, "Text Dominant", full, image_for(1)),
        _mathverse_row(
            2, "Vision Intensive", "Find angle B.\nChoices:\nA:30°\nB:60°\nC:90°\nD:120°", image_for(1)
        ),
        _mathverse_row(3, "Vision Only", "", image_for(6)),  # question and options live in the diagram
    ]
    return rows, _mathverse_row(1, "Text Only", full, "")


def write_mathverse_hf_parquet(root: Path, text_only_name: str = "testmini_text_only") -> Path:
    """HF `AI4Math/MathVerse`: `testmini.parquet` (images embedded) and `<text_only_name>.parquet`."""
    root.mkdir(parents=True)
    rows, text_only = _mathverse_rows(lambda label: {"bytes": png(label), "path": f"image_{label}.png"})
    pq.write_table(pa.Table.from_pylist(rows), root / "testmini.parquet")
    pq.write_table(pa.Table.from_pylist([text_only]), root / f"{text_only_name}.parquet")
    return root


def write_mathverse_json(root: Path, text_only_name: str | None = "testmini_text-only") -> Path:
    """Older snapshot: `testmini.json`, image folders unpacked from `images.zip`, text-only JSON."""
    (root / "images" / "images_version_1-4").mkdir(parents=True)
    (root / "images" / "images_version_6").mkdir()
    (root / "images" / "images_version_1-4" / "image_1.png").write_bytes(png(1))
    (root / "images" / "images_version_6" / "image_1.png").write_bytes(png(6))
    paths = {1: "images_version_1-4/image_1.png", 6: "images_version_6/image_1.png"}
    rows, text_only = _mathverse_rows(paths.__getitem__)
    (root / "testmini.json").write_text(json.dumps(rows))
    if text_only_name:
        (root / f"{text_only_name}.json").write_text(json.dumps([text_only]))
    return root


MM_MATH_ROWS = [
    {
        "question": "如图，AB是⊙O的直径，∠C=30°，求∠ABD的度数。",
        "file_name": "1.png",
        "solution": "因为AB是直径，所以∠ADB=90°，所以∠ABD=\\boxed{60^\\circ}。",
        "year": "九年级上学期",
        "difficult": "容易",
        "knowledge": "Properties of Shapes;Circles",
    },
    {
        "question": "如图，求DE的长和△ADE的面积。",
        "file_name": "2.png",
        "solution": "由相似三角形，DE=\\boxed{\\frac{5}{2}}，面积为\\boxed{3}。",
        "year": "八年级下学期",
        "difficult": "普通",
        "knowledge": "Transformations of Shapes;Similar triangles",
    },
    {
        "question": "已知一次函数的图象经过点(1,3)，求其解析式。",
        "file_name": "3.png",
        "solution": "设y=kx+b，解得\\boxed{y=2x+1}。",
        "year": "八年级上学期",
        "difficult": "困难",
        "knowledge": "Functions;Linear functions",
    },
]


def write_mmmath(root: Path, image_folder: str = "images") -> Path:
    """Release layout: `MM_Math.jsonl` and `Image.zip` unpacked into `image_folder`."""
    (root / image_folder).mkdir(parents=True)
    for number, row in enumerate(MM_MATH_ROWS, start=1):
        (root / image_folder / row["file_name"]).write_bytes(png(number))
    (root / "MM_Math.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in MM_MATH_ROWS)
    )
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
