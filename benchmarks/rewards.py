"""Reward throughput: responses per second for each reward kind, on one CPU core.

Scores a GRPO-sized rollout batch (default: the paper's 512 prompts x 16 samples = 8192
responses) made of realistic responses: reasoning of realistic length (log-normal, median about
4,000 characters for math), answers in the forms models write them (`Final Answer:`, `\\boxed{}`,
letters, units, LaTeX, algebra, equations, intervals), about half correct, some with a broken format, some truncated.
Samples of one prompt repeat answers as real GRPO groups do. The process (and the symbolic
judge it starts) is pinned to one core; every verdict cache is cleared before each repeat.

    python benchmarks/rewards.py [--prompts 512] [--samples 16] [--repeats 5] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable

from vision_r1.rewards import compute_score
from vision_r1.rewards import math as math_module
from vision_r1.rewards.math import answers_match, clear_caches
from vision_r1.rewards.symbolic import symbolic_verdict

Row = tuple[str, str, object, dict]

SENTENCES = [
    "Let me look at the figure carefully.",
    "The triangle ABC has a right angle at C, so $AC^2 + BC^2 = AB^2$.",
    "Wait, I should double-check the length of the side labelled 12.",
    "Alternatively, we can use the area formula $\\frac{1}{2}ab\\sin C$.",
    "The bar for March reaches 45, while February is at 30.",
    "Since the angles of a triangle sum to $180^\\circ$, the missing angle is determined.",
    "Counting the red circles gives 7, and the blue squares give 5.",
    "Hmm, that contradicts the earlier step, so let me recompute.",
    "Substituting $x = 3$ into $2x + 1$ gives 7.",
    "The radius is half the diameter, so $r = \\frac{d}{2}$.",
    "So the ratio is $\\frac{\\sqrt{3}}{2}$ by the 30-60-90 triangle rule.",
    "Therefore the perimeter equals the sum of all four sides.",
]
FLOWERS = [
    "pink primrose",
    "globe thistle",
    "english marigold",
    "tiger lily",
    "moon orchid",
    "bird of paradise",
]
FLOWERS += ["sweet pea", "king protea", "spear thistle", "yellow iris", "fire lily", "canterbury bells"]
LABELS = ["cat", "dog", "person", "car", "bicycle", "traffic light"]


def reasoning(rng: random.Random, median_chars: float) -> str:
    target = min(60000, max(200, int(rng.lognormvariate(0, 0.6) * median_chars)))
    parts: list[str] = []
    size = 0
    while size < target:
        parts.append(rng.choice(SENTENCES))
        size += len(parts[-1]) + 1
    return " ".join(parts)


def wrap(rng: random.Random, thought: str, answer: str, style: str) -> str:
    """A response around `answer`: `ok`, `broken` format, or `truncated` (no answer at all)."""
    if style == "truncated":
        return "<think>\n" + thought
    body = f"<think>\n{thought}\n</think>\n<answer> {answer} </answer>"
    return body + "\nI hope this helps." if style == "broken" else body


def style_of(rng: random.Random) -> str:
    draw = rng.random()
    return "broken" if draw < 0.05 else "truncated" if draw < 0.10 else "ok"


def math_prompt(rng: random.Random) -> tuple[str, list[str], list[str], list[str] | None]:
    """(ground truth, correct answer forms, wrong answers, choices)."""
    kinds = ["int", "decimal", "choice", "constant", "algebra", "equation", "interval", "word"]
    kind = rng.choices(kinds, [40, 12, 25, 12, 3, 3, 2, 3])[0]
    if kind == "int":
        value = rng.randint(1, 360)
        forms = [str(value), f"{value}°", f"{value} cm", f"\\boxed{{{value}}}", f"{value:,}"]
        return str(value), forms, [str(value + d) for d in (-2, -1, 1, 3, 10)], None
    if kind == "decimal":
        value = round(rng.uniform(0.1, 99), 2)
        return (
            f"{value:.2f}",
            [f"{value:.2f}", f"{value:.3f}", f"{value:.2f} m"],
            [f"{value + 0.5:.2f}", f"{value * 2:.2f}"],
            None,
        )
    if kind == "choice":
        options = [f"{rng.randint(10, 170)}°" for _ in range(4)]
        truth = rng.randrange(4)
        letter = "ABCD"[truth]
        forms = [letter, f"({letter})", f"{letter}. {options[truth]}", options[truth]]
        return letter, forms, [c for c in "ABCD" if c != letter], options
    if kind == "constant":
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        truth = f"\\frac{{{a}\\sqrt{{{b}}}}}{{2}}"
        forms = [truth, f"\\dfrac{{{a}\\sqrt{b}}}{{2}}", f"{a * b**0.5 / 2:.3f}"]
        return (
            truth,
            forms,
            [f"\\frac{{{a}\\sqrt{{{b + 1}}}}}{{2}}", f"{a}\\sqrt{{{b}}}", f"{a * b / 2}"],
            None,
        )
    if kind == "algebra":
        c = rng.randint(1, 9)
        truth = f"x^2+{2 * c}x+{c * c}"
        return truth, [truth, f"(x+{c})^2"], [f"(x+{c + 1})^2", f"x^2+{c * c}"], None
    if kind == "equation":
        a, b = rng.randint(2, 9), rng.randint(1, 9)
        truth = f"y={a}x+{b}"
        return truth, [truth, f"y = {b} + {a}x"], [f"y={a}x-{b}", f"y={b}x+{a}"], None
    if kind == "interval":  # the long tail that only sympy settles
        low, high = rng.randint(-5, 3), rng.randint(4, 9)
        truth = f"({low}, {high})"
        return truth, [truth, f"({low},{high})"], [f"({low}, {high + 1}]", f"[{low}, {high})"], None
    word = rng.choice(["triangle", "square", "parallelogram", "circle"])
    return word, [word, word.capitalize()], ["rectangle", "rhombus"], None


def math_rows(rng: random.Random, prompts: int, samples: int, kind: str) -> list[Row]:
    rows = []
    for _ in range(prompts):
        truth, forms, wrong, choices = math_prompt(rng)
        info = {"reward": kind} | ({"choices": choices} if choices else {})
        for _ in range(samples):
            answer = rng.choice(forms if rng.random() < 0.55 else wrong)
            lead = rng.choice(["Final Answer:", "Final Answer: ", ""])
            response = wrap(rng, reasoning(rng, 4000), lead + answer, style_of(rng))
            rows.append(("geometry3k", response, truth, info))
    return rows


def jitter(rng: random.Random, box: list[float], spread: float) -> list[int]:
    return [round(value + rng.gauss(0, spread)) for value in box]


def random_box(rng: random.Random, width: int, height: int) -> list[float]:
    x, y = rng.uniform(0, width * 0.7), rng.uniform(0, height * 0.7)
    return [x, y, x + rng.uniform(20, width * 0.3), y + rng.uniform(20, height * 0.3)]


def space_info(rng: random.Random, width: int, height: int) -> tuple[dict, float, float]:
    """extra_info for a random coordinate space and the factors taking pixels into it."""
    space = rng.choice(["pixel", "model_input", "norm1000"])
    info: dict = {"coordinate_space": space, "image_size": [width, height]}
    if space == "model_input":
        info["model_input_size"] = [width // 28 * 14, height // 28 * 14]
        return info, info["model_input_size"][0] / width, info["model_input_size"][1] / height
    if space == "norm1000":
        return info, 1000 / width, 1000 / height
    return info, 1.0, 1.0


def grounding_rows(rng: random.Random, prompts: int, samples: int, kind: str) -> list[Row]:
    rows = []
    for _ in range(prompts):
        width, height = rng.randint(300, 1500), rng.randint(300, 1500)
        truth = random_box(rng, width, height)
        info, sx, sy = space_info(rng, width, height)
        info["reward"] = kind
        in_space = [truth[0] * sx, truth[1] * sy, truth[2] * sx, truth[3] * sy]
        for _ in range(samples):
            box = jitter(rng, in_space, 8) if rng.random() < 0.7 else jitter(rng, in_space, 150)
            if kind == "iou":
                answer = json.dumps({"bbox_2d": box, "label": "the object"})
            else:
                answer = f"({box[0]},{box[1]}),({box[2]},{box[3]})"
            answer = answer if rng.random() > 0.05 else "the dog on the left"
            rows.append(
                (
                    "refcoco",
                    wrap(rng, reasoning(rng, 600), answer, style_of(rng)),
                    json.dumps([round(v) for v in truth]),
                    info,
                )
            )
    return rows


def detection_rows(rng: random.Random, prompts: int, samples: int, kind: str) -> list[Row]:
    rows = []
    for _ in range(prompts):
        width, height = rng.randint(300, 1500), rng.randint(300, 1500)
        objects = [
            (random_box(rng, width, height), rng.choice(LABELS[:3]))
            for _ in range(rng.choice([0, 1, 1, 2, 3, 5]))
        ]
        info, sx, sy = space_info(rng, width, height)
        info["reward"] = kind
        truth = json.dumps([{"bbox_2d": [round(v) for v in box], "label": label} for box, label in objects])
        for _ in range(samples):
            predicted = []
            for box, label in objects + [(random_box(rng, width, height), rng.choice(LABELS))] * rng.randint(
                0, 2
            ):
                if rng.random() < 0.8:
                    scaled = [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy]
                    predicted.append((jitter(rng, scaled, 6), label, round(rng.random(), 2)))
            if kind == "detection":
                answer = (
                    repr([{"Position": b, "Confidence": c} for b, _, c in predicted])
                    if predicted
                    else "No Objects"
                )
            else:
                answer = json.dumps([{"bbox_2d": b, "label": label, "score": c} for b, label, c in predicted])
            rows.append(("coco", wrap(rng, reasoning(rng, 600), answer, style_of(rng)), truth, info))
    return rows


def classification_rows(rng: random.Random, prompts: int, samples: int, kind: str) -> list[Row]:
    rows = []
    for _ in range(prompts):
        label = rng.choice(FLOWERS)
        forms = [label, label.title(), label.replace(" ", "_"), rng.choice(FLOWERS), ", ".join(FLOWERS), ""]
        for _ in range(samples):
            answer = rng.choices(forms, [40, 10, 5, 35, 5, 5])[0]
            rows.append(
                (
                    "flowers102",
                    wrap(rng, reasoning(rng, 400), answer, style_of(rng)),
                    label.replace(" ", "_"),
                    {"reward": kind},
                )
            )
    return rows


FAMILIES: dict[str, tuple[str, Callable[[random.Random, int, int, str], list[Row]]]] = {
    "hfrrf": ("math", math_rows),
    "r1v": ("math", math_rows),
    "math": ("math", math_rows),
    "iou": ("REC", grounding_rows),
    "giou": ("reasoning grounding", grounding_rows),
    "detection": ("detection", detection_rows),
    "map": ("open-vocabulary detection", detection_rows),
    "classification": ("fine-grained classification", classification_rows),
}


def measure(rows: list[Row], repeats: int) -> tuple[list[float], list[float], int, float]:
    """Per repeat: wall-clock and CPU responses/s; then judge calls per repeat and the mean score.

    CPU responses/s counts this process's CPU time plus the time spent waiting for the symbolic
    judge, so it shows one core's throughput even when other processes compete for the core.
    """
    judge_seconds = 0.0

    def timed_verdict(*args: object) -> object:
        nonlocal judge_seconds
        started = time.perf_counter()
        try:
            return symbolic_verdict(*args)
        finally:
            judge_seconds += time.perf_counter() - started

    wall_rates, cpu_rates, judged, total = [], [], 0, 0.0
    math_module.symbolic_verdict = timed_verdict
    try:
        for _ in range(repeats):
            clear_caches()
            judge_seconds = 0.0
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            total = sum(
                compute_score(source, response, truth, info)["score"]
                for source, response, truth, info in rows
            )
            cpu_seconds = time.process_time() - cpu_start
            wall_rates.append(len(rows) / (time.perf_counter() - wall_start))
            cpu_rates.append(len(rows) / (cpu_seconds + judge_seconds))
            judged = symbolic_verdict.cache_info().misses
    finally:
        math_module.symbolic_verdict = symbolic_verdict
    return wall_rates, cpu_rates, judged, total / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=512)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(FAMILIES), help="comma-separated reward kinds")
    args = parser.parse_args()

    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})  # the judge processes started below inherit this
    started = time.perf_counter()
    answers_match("\\sin(x)", "\\sin x", time_limit_s=60.0)  # start a judge outside the timing
    print(
        f"pinned to CPU {core}; symbolic judge start-up {time.perf_counter() - started:.2f} s (once per process)"
    )
    print(
        f"{args.prompts} prompts x {args.samples} samples = {args.prompts * args.samples} responses per kind\n"
    )
    header = f"{'kind':<15}{'data':<28}{'wall resp/s (min-max)':>25}{'cpu resp/s':>12}{'us/resp':>9}"
    print(header + f"{'judged':>8}{'score':>7}")
    for kind in args.kinds.split(","):
        data, generate = FAMILIES[kind]
        rows = generate(random.Random(args.seed), args.prompts, args.samples, kind)
        wall, cpu, judged, mean_score = measure(rows, args.repeats)
        spread = f"{statistics.median(wall):,.0f} ({min(wall):,.0f}-{max(wall):,.0f})"
        cpu_median = statistics.median(cpu)
        line = f"{kind:<15}{data:<28}{spread:>25}{cpu_median:>12,.0f}{1e6 / cpu_median:>9.0f}"
        print(line + f"{judged:>8}{mean_score:>7.3f}")
    print(
        "\nmedians over repeats; cpu resp/s = responses / (CPU seconds + symbolic judge wait); us/resp from it"
    )
    print("judged = distinct answers per repeat that needed the symbolic judge (after the in-process checks)")
    print(
        f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall figures drop under contention)"
    )


if __name__ == "__main__":
    main()
