"""Evaluation on the paper's benchmarks (MathVista, MathVerse, MM-Math) and RL-format sets.

Entry point for code (the recipe's `eval` stage): `run_evaluation(model_dir, benchmarks, out_dir,
settings) -> summary dict`; for people: `vision-r1 eval`. Heavy libraries load only when a model
actually has to generate.
"""

from vision_r1.evaluation.benchmarks import BenchmarkSpec, load_benchmark
from vision_r1.evaluation.runner import load_summary, run_evaluation
from vision_r1.evaluation.settings import EvalSettings

__all__ = ["BenchmarkSpec", "EvalSettings", "load_benchmark", "load_summary", "run_evaluation"]
