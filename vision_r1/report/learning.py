"""Did the run learn? One picture: the format share of each evaluation, and the reward of each GRPO stage.

A GRPO control run (`negate_reward: true`) trains on minus the reward, so verl logs the negated
score; it is turned back here, so that every curve is the reward itself and a working control
shows up as a falling curve beside the rising one. The window means (first and last
`WINDOW` steps) are what the CPU learning recipe's test asserts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from vision_r1.report.plots import COLORS, to_png
from vision_r1.report.run_data import RunData

SCORE_KEY = "critic/score/mean"  # the reward function's score, before any KL penalty
WINDOW = 5


@dataclass(frozen=True)
class RewardCurve:
    stage: str
    negated: bool
    steps: list[int]
    rewards: list[float]

    @property
    def first_mean(self) -> float:
        return sum(self.rewards[:WINDOW]) / len(self.rewards[:WINDOW])

    @property
    def last_mean(self) -> float:
        return sum(self.rewards[-WINDOW:]) / len(self.rewards[-WINDOW:])

    def label(self) -> str:
        control = " (control: trained on minus this)" if self.negated else ""
        return f"{self.stage}{control}: {self.first_mean:.2f} -> {self.last_mean:.2f}"


def negated_stages(recipe: dict[str, Any] | None) -> set[str]:
    """Names of the recipe's GRPO stages that train on the negated reward."""
    stages = (recipe or {}).get("stages")
    listed = stages if isinstance(stages, list) else []
    return {
        str(stage.get("name"))
        for stage in listed
        if isinstance(stage, dict) and stage.get("negate_reward") is True
    }


def reward_curves(run: RunData) -> list[RewardCurve]:
    """The reward per step of every GRPO stage that logged one, control runs turned back."""
    negated = negated_stages(run.recipe)
    curves = []
    for stage in run.of_kind("grpo"):
        series = stage.metrics.get(SCORE_KEY)
        if not series:
            continue
        sign = -1.0 if stage.name in negated else 1.0
        curves.append(
            RewardCurve(
                stage=stage.name,
                negated=stage.name in negated,
                steps=[int(step) for step, _ in series],
                rewards=[sign * value for _, value in series],
            )
        )
    return curves


def format_shares(run: RunData) -> dict[str, float]:
    """`{eval stage: mean format share in %}` over its benchmarks, for the stages that report one."""
    shares = {}
    for stage in run.of_kind("eval"):
        rates = [
            float(summary["format_rate"])
            for summary in (stage.eval_summary or {}).get("benchmarks", {}).values()
            if isinstance(summary, dict) and isinstance(summary.get("format_rate"), int | float)
        ]
        if rates:
            shares[stage.name] = sum(rates) / len(rates)
    return shares


def learning_figure(run: RunData) -> bytes | None:
    """Format share per evaluation (left) and GRPO rewards (right); None when neither exists."""
    shares = format_shares(run)
    curves = reward_curves(run)
    panels = int(bool(shares)) + int(bool(curves))
    if not panels:
        return None
    figure = Figure(figsize=(5.2 * panels, 3.2))
    axes = list(figure.subplots(1, panels, squeeze=False).flat)
    if shares:
        _format_bars(axes.pop(0), shares)
    if curves:
        _reward_lines(axes.pop(0), curves)
    figure.tight_layout()
    return to_png(figure)


def _format_bars(axis, shares: dict[str, float]) -> None:
    names = list(shares)
    bars = axis.bar(names, [shares[name] for name in names], color=COLORS[0])
    axis.bar_label(bars, fmt="%.1f%%", fontsize=8)
    axis.set_ylim(0, 105)
    axis.set_ylabel("% of held-out responses", fontsize=8)
    axis.set_title("exact <think>...</think><answer>...</answer> format", fontsize=10)
    axis.tick_params(labelsize=8)


def _reward_lines(axis, curves: list[RewardCurve]) -> None:
    for color, curve in zip(COLORS, curves, strict=False):
        axis.plot(curve.steps, curve.rewards, color=color, marker=".", label=curve.label())
    axis.set_xlabel("step", fontsize=8)
    axis.set_ylabel("mean training reward", fontsize=8)
    axis.set_title(f"GRPO reward (legend: mean of first -> last {WINDOW} steps)", fontsize=10)
    axis.legend(fontsize=7)
    axis.tick_params(labelsize=8)
