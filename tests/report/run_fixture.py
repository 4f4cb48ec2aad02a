"""A run directory shaped like the stage runner's: cold start -> SFT -> three GRPO stages -> eval.

Metric lines have verl's FileLogger shape; curves follow the paper's story (rewards up, response
length squeezed then released as the length cap grows) so the pictures look like a real run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from vision_r1.evaluation.metrics import summarize

GRPO_STAGES = (("ptst_4k", 4096, 16), ("ptst_8k", 8192, 8), ("ptst_16k", 16384, 4))


def write_metric_lines(path: Path, lines: list[tuple[int, dict]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        for step, data in lines:
            handle.write(json.dumps({"step": step, "data": data}) + "\n")


def grpo_metrics(stage_index: int, max_length: int, steps: int = 20) -> list[tuple[int, dict]]:
    lines = []
    for step in range(1, steps + 1):
        progress = (stage_index * steps + step) / (len(GRPO_STAGES) * steps)
        length = max_length * (0.35 + 0.25 * math.sin(step / steps * math.pi / 2))
        data = {
            "critic/rewards/mean": 0.3 + 0.4 * progress,
            "critic/score/mean": 0.3 + 0.4 * progress,
            "response_length/mean": length,
            "response_length/clip_ratio": max(0.0, 0.2 - 0.01 * step),
            "actor/kl_loss": 0.001 * step,
            "actor/entropy": 0.9 - 0.01 * step,
            "actor/pg_loss": -0.01,
            "training/global_step": step,
            "timing_s/gen": 12.5,
        }
        if step % 5 == 0:
            data["val-aux/geometry3k/accuracy/mean@1"] = 0.4 + 0.3 * progress
        lines.append((step, data))
    return lines


def eval_summary() -> dict:
    """Per-benchmark summaries computed by the evaluation's own `summarize` from 12 items each."""
    benchmarks = {}
    for name, period in (("mathvista", 4), ("mathverse", 2), ("mm_math", 3)):
        records = [
            {
                "correct": index % period != 0,
                "format_ok": index % 5 != 0,
                "extracted": "1",
                "truncated": index == 11,
                "score": float(index % period != 0),
                "num_tokens": 200 * period + 10 * index,
                "categories": {"task": ["geometry problem solving"]},
                "attempts": 1,
            }
            for index in range(12)
        ]
        benchmarks[name] = {"name": name, "kind": name, "path": f"/data/{name}", **summarize(records)}
    return benchmarks


def cold_start_stats() -> dict:
    """The shape `vision-r1 cold-start` writes (data_pipeline/stats.py), plus raw lengths."""
    return {
        "funnel": {"input": 1000, "pseudo_cot": 990, "description": 985, "reasoning": 970, "kept": 610},
        "failures": {
            "pseudo_cot": {"timeout": 10},
            "description": {"refused": 5},
            "reasoning": {"timeout": 15},
        },
        "rejections": {"answer_mismatch": 300, "truncated_thinking": 40, "mentions_description": 20},
        "answer_match_rate": 0.66,
        "thinking_tokens": {
            "kept": {"p10": 310.0, "p50": 820.0, "p90": 2100.0, "p99": 3900.0, "mean": 1010.0, "max": 5200.0},
            "all": {"p10": 280.0, "p50": 900.0, "p90": 2600.0, "p99": 6100.0, "mean": 1200.0, "max": 8000.0},
        },
        "reflective_words_per_1k_tokens": {"wait": 3.1, "alternatively": 0.8, "hmm": 0.5, "total": 4.4},
        "lengths": {"answer": [5 + (i * 37) % 90 for i in range(300)]},
    }


def build_run(root: Path, with_state: bool = True) -> Path:
    run = root / "runs" / "tiny"
    (run / "cold_start").mkdir(parents=True)
    (run / "cold_start" / "stats.json").write_text(json.dumps(cold_start_stats()))
    write_metric_lines(
        run / "sft" / "metrics" / "attempt-1.jsonl",
        [(s, {"train/loss": 2.0 / s, "train/lr": 5e-6}) for s in range(1, 11)],
    )
    for index, (name, length, _) in enumerate(GRPO_STAGES):
        write_metric_lines(run / name / "metrics" / "attempt-1.jsonl", grpo_metrics(index, length))
    (run / "eval").mkdir()
    benchmarks = eval_summary()
    (run / "eval" / "summary.json").write_text(json.dumps({"model_dir": "m", "benchmarks": benchmarks}))
    if with_state:
        order = ["cold_start", "sft", *[name for name, _, _ in GRPO_STAGES], "eval"]
        kinds = {"cold_start": "cold_start", "sft": "sft", "eval": "eval"}
        stages = {}
        for minute, name in enumerate(order):
            stages[name] = {
                "kind": kinds.get(name, "grpo"),
                "status": "done",
                "started_at": f"2026-11-22T10:{minute * 7:02d}:00",
                "finished_at": f"2026-11-22T10:{minute * 7 + 6:02d}:30",
                "outputs": {"dir": str(run / name)},
            }
        caps = {name: {"max_response_length": length, "rollout_n": n} for name, length, n in GRPO_STAGES}
        recipe = {
            "name": "tiny",
            "base_model": "tiny-qwen2.5-vl",
            "stages": [{"name": n, "kind": stages[n]["kind"], **caps.get(n, {})} for n in order],
        }
        (run / "state.json").write_text(json.dumps({"recipe": recipe, "stages": stages, "order": order}))
    return run
