"""Evaluation on the paper's benchmarks (MathVista, MathVerse, MM-Math) and RL-format sets.

Entry points for code: `run_evaluation(model_dir, benchmarks, out_dir, settings) -> summary dict`
(the recipe's `eval` stage) and `score_responses(responses_file, benchmarks, out_dir)` for
responses generated elsewhere; for people: `vision-r1 eval`. Every benchmark is scored twice,
`official` (its own published rules) and `strict` (our judge). Heavy libraries load only when a
model actually has to generate.
"""

from vision_r1.evaluation.benchmarks import BenchmarkSpec, load_benchmark
from vision_r1.evaluation.responses import score_responses
from vision_r1.evaluation.runner import run_evaluation
from vision_r1.evaluation.settings import EvalSettings
from vision_r1.evaluation.summaries import load_summary

__all__ = [
    "BenchmarkSpec",
    "EvalSettings",
    "load_benchmark",
    "load_summary",
    "run_evaluation",
    "score_responses",
]
