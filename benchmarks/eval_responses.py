"""`vision-r1 eval --responses` throughput: 20,000 responses judged twice (official and strict), one core.

Builds the three paper benchmarks at their real sizes in their release layouts (MathVista testmini
1,000 items as the GitHub clone, MathVerse testmini 3,940 + 788 Text Only as the HF parquet,
MM-Math as `MM_Math.jsonl` with 5,544 of its 5,929 rows, so the total is 20,000) and a responses
file of realistic responses: reasoning of realistic length, answers in the forms models write
them (letters, option text, units, `\\boxed{}`, `Final Answer:`, fractions, equations, two-part
answers), about half right, some truncated without an answer. MathVista gets 5 samples per item,
MathVerse 2, MM-Math 1. The whole command runs pinned to one core (the symbolic judge it starts
inherits the pinning): loading the benchmarks, reading the file, judging, writing every output.

    PYTHONPATH=. python benchmarks/eval_responses.py [--seed 0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from rewards import reasoning  # the reward benchmark's realistic reasoning text

from vision_r1.evaluation import score_responses

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ffff3f0005fe02fe"
    "a7d6a4f20000000049454e44ae426082"
)
SAMPLES = {"mathvista": 5, "mathverse": 2, "mm_math": 1}
MM_MATH_ROWS = 5544


def numeric_truth(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """(truth, right answer forms, wrong answers) for a free-form numeric question."""
    value = rng.randint(2, 360)
    right = [str(value), f"{value}°", f"{value} cm", f"\\boxed{{{value}}}", f"Final Answer: {value}"]
    return str(value), right, [str(value + d) for d in (-3, -1, 1, 7)]


def mathvista(root: Path, rng: random.Random) -> dict[str, tuple[list[str], list[str]]]:
    data = root / "data"
    (data / "images").mkdir(parents=True)
    rows, queries, answers = {}, {}, {}
    for pid in map(str, range(1, 1001)):
        (data / "images" / f"{pid}.jpg").write_bytes(PNG)
        kind = rng.choices(["multi_choice", "integer", "float"], [55, 33, 12])[0]
        row = {"pid": pid, "question": "What is shown?", "image": f"images/{pid}.jpg", "unit": None}
        row |= {"metadata": {"task": rng.choice(["geometry problem solving", "figure question answering"])}}
        row["metadata"]["skills"] = rng.sample(
            ["arithmetic reasoning", "geometry reasoning", "statistical reasoning"], 2
        )
        if kind == "multi_choice":
            choices = [f"{rng.randint(10, 170)}°" for _ in range(rng.randint(2, 5))]
            truth = rng.randrange(len(choices))
            row |= {
                "choices": choices,
                "answer": choices[truth],
                "question_type": kind,
                "answer_type": "text",
            }
            right = ["ABCDE"[truth], f"({'ABCDE'[truth]}) {choices[truth]}", choices[truth]]
            answers[pid] = (right, [c for c in "ABCDE"[: len(choices)] if c != "ABCDE"[truth]])
        elif kind == "integer":
            truth, right, wrong = numeric_truth(rng)
            row |= {"choices": None, "answer": truth, "question_type": "free_form", "answer_type": kind}
            answers[pid] = (right, wrong)
        else:
            value = round(rng.uniform(0.1, 99), 1)
            row |= {"choices": None, "answer": f"{value:.1f}", "precision": 1, "question_type": "free_form"}
            row["answer_type"] = "float"
            answers[pid] = ([f"{value:.1f}", f"{value:.2f}", f"{value:.1f} m"], [f"{value + 0.5:.1f}"])
        rows[pid] = row
        queries[pid] = f"Hint: answer the question.\nQuestion: {row['question']}"
    (data / "testmini.json").write_text(json.dumps(rows))
    (data / "query.json").write_text(json.dumps(queries))
    return answers


def mathverse(root: Path, rng: random.Random) -> dict[str, tuple[list[str], list[str]]]:
    root.mkdir(parents=True)
    versions = ["Text Dominant", "Text Lite", "Vision Intensive", "Vision Dominant", "Vision Only"]
    rows, text_only, answers = [], [], {}
    for index in range(1, 3941 + 788):
        version = versions[(index - 1) % 5] if index <= 3940 else "Text Only"
        multi = rng.random() < 0.55
        options = [f"{rng.randint(10, 170)}°" for _ in range(4)]
        full = "Find the angle.\nChoices:\n" + "\n".join(f"{'ABCD'[i]}:{o}" for i, o in enumerate(options))
        if multi:
            truth = rng.randrange(4)
            answer, right = "ABCD"[truth], ["ABCD"[truth], options[truth], f"({'ABCD'[truth]})"]
            wrong = [c for c in "ABCD" if c != answer]
        else:
            answer, right, wrong = numeric_truth(rng)
        sample = str(index if index <= 3940 else index - 3940)
        row = {
            "sample_index": sample,
            "problem_index": str((index - 1) // 5),
            "problem_version": version,
            "question": "" if version == "Vision Only" else full,
            "image": "" if version == "Text Only" else {"bytes": PNG, "path": "image.png"},
            "answer": answer,
            "question_type": "multi-choice" if multi else "free-form",
            "metadata": {"subject": rng.choice(["plane geometry", "solid geometry", "functions"])},
            "query_cot": f"Please reason step by step.\nQuestion: {full}",
            "question_for_eval": full,
        }
        (text_only if version == "Text Only" else rows).append(row)
        answers[("text_only-" if version == "Text Only" else "") + sample] = (right, wrong)
    pq.write_table(pa.Table.from_pylist(rows), root / "testmini.parquet")
    pq.write_table(pa.Table.from_pylist(text_only), root / "testmini_text_only.parquet")
    return answers


def mm_math(root: Path, rng: random.Random) -> dict[str, tuple[list[str], list[str]]]:
    (root / "images").mkdir(parents=True)
    lines, answers = [], {}
    for number in range(MM_MATH_ROWS):
        (root / "images" / f"{number}.png").write_bytes(PNG)
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        kind = rng.choices(["integer", "fraction", "radical", "equation", "two parts"], [40, 20, 15, 15, 10])[
            0
        ]
        if kind == "integer":
            truths, right, wrong = (
                [str(a * b)],
                [f"\\boxed{{{a * b}}}", f"\\boxed{{{a * b}^\\circ}}"],
                [f"\\boxed{{{a + b}}}"],
            )
        elif kind == "fraction":
            truths, right = (
                [f"\\frac{{{a}}}{{{b + 10}}}"],
                [f"\\boxed{{\\frac{{{a}}}{{{b + 10}}}}}", f"\\boxed{{{a / (b + 10):.3f}}}"],
            )
            wrong = [f"\\boxed{{\\frac{{{b + 10}}}{{{a}}}}}"]
        elif kind == "radical":
            truths, right, wrong = (
                [f"{a}\\sqrt{{{b}}}"],
                [f"\\boxed{{{a}\\sqrt{{{b}}}}}", f"\\boxed{{\\sqrt{{{a * a * b}}}}}"],
                [f"\\boxed{{{b}\\sqrt{{{a}}}}}"],
            )
        elif kind == "equation":
            truths, right = (
                [f"y={a}x+{b}"],
                [f"\\boxed{{y={a}x+{b}}}", f"\\boxed{{y = {b} + {a}x}}", f"Final Answer: y={a}x+{b}"],
            )
            wrong = [f"\\boxed{{y={a}x-{b}}}"]
        else:
            truths, right, wrong = (
                [str(a), str(b)],
                [f"\\boxed{{{a}}}, \\boxed{{{b}}}", f"\\boxed{{{a}, {b}}}"],
                [f"\\boxed{{{a}}}"],
            )
        solution = "Solution: " + " and ".join(f"\\boxed{{{truth}}}" for truth in truths)
        lines.append(
            {
                "question": "如图，求解。",
                "file_name": f"{number}.png",
                "solution": solution,
                "year": rng.choice(["七年级上学期", "八年级下学期", "九年级上学期"]),
                "difficult": rng.choice(["容易", "普通", "困难"]),
                "knowledge": rng.choice(["Functions", "Properties of Shapes", "Transformations of Shapes"]),
            }
        )
        answers[f"mmmath-{number}"] = (right, wrong)
    (root / "MM_Math.jsonl").write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    )
    return answers


def response(rng: random.Random, right: list[str], wrong: list[str]) -> str:
    thought = reasoning(rng, 4000)
    if rng.random() < 0.05:
        return "<think>\n" + thought  # truncated: no answer at all
    answer = rng.choice(right if rng.random() < 0.5 else wrong)
    if not answer.startswith(("Final", "\\boxed")) and rng.random() < 0.3:
        answer = "Final Answer:" + answer
    return f"<think>\n{thought}\n</think>\n<answer> {answer} </answer>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep", type=Path, help="build and keep the folders here instead of a temporary one"
    )
    args = parser.parse_args()
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    with tempfile.TemporaryDirectory() as temporary:
        base = args.keep or Path(temporary)
        rng = random.Random(args.seed)
        truths = {
            "mathvista": mathvista(base / "MathVista", rng),
            "mathverse": mathverse(base / "MathVerse", rng),
            "mm_math": mm_math(base / "MM_Math", rng),
        }
        responses = base / "responses.jsonl"
        count = 0
        with responses.open("w") as handle:
            for name, items in truths.items():
                for item_id, (right, wrong) in items.items():
                    texts = [response(rng, right, wrong) for _ in range(SAMPLES[name])]
                    handle.write(json.dumps({"benchmark": name, "id": item_id, "responses": texts}) + "\n")
                    count += len(texts)
        size_mb = responses.stat().st_size / 1e6
        specs = [
            f"{name}={base / folder}"
            for name, folder in (
                ("mathvista", "MathVista"),
                ("mathverse", "MathVerse"),
                ("mm_math", "MM_Math"),
            )
        ]
        wall, cpu = time.perf_counter(), time.process_time()
        summary = score_responses(responses, specs, base / "eval")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"pinned to CPU {core}; {count:,} responses ({size_mb:.0f} MB) on {len(specs)} benchmarks")
    print(f"vision-r1 eval --responses: {wall:.1f} s wall, {cpu:.1f} s CPU = {count / wall:,.0f} responses/s")
    for name, result in summary["benchmarks"].items():
        print(
            f"  {name}: {result['items']} items x {result['samples_per_item']}, official {result['official_accuracy']}, strict {result['accuracy']}"
        )
    print(
        f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time grows under contention)"
    )


if __name__ == "__main__":
    main()
