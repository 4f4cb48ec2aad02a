"""The report's pictures, drawn with matplotlib's object API (no pyplot state) into PNG bytes.

Each function returns None when there is nothing to draw, so the page simply leaves the picture
out. Metric names follow verl 0.9's logging (`critic/rewards/mean`, `response_length/mean`,
`response_length/clip_ratio`, `actor/kl_loss`, `actor/entropy`, `val-*/<source>/<var>/mean@N`,
`train/loss`); the first present candidate of a panel is drawn.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from vision_r1.report.metrics_files import MetricSeries
from vision_r1.report.run_data import StageData

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class Panel:
    title: str
    patterns: tuple[str, ...]
    all_matches: bool = False  # draw every matching series (e.g. accuracy per data source)
    secondary: str | None = None  # a second series on a right-hand axis

    def series(self, metrics: MetricSeries) -> list[str]:
        found = []
        for pattern in self.patterns:
            matches = [key for key in metrics if re.search(pattern, key)]
            if matches and not self.all_matches:
                return matches[:1]
            found += [key for key in matches if key not in found]
        return found


PANELS = (
    Panel("reward (mean)", (r"^critic/rewards/mean$", r"^critic/score/mean$")),
    Panel("accuracy", (r"(?:^|/)(?:acc|accuracy)(?:/mean(?:@\d+)?)?$",), all_matches=True),
    Panel("response length (tokens)", (r"^response_length/mean$",), secondary="response_length/clip_ratio"),
    Panel("KL", (r"^actor/kl_loss$", r"^actor/ppo_kl$")),
    Panel("entropy", (r"^actor/entropy$",)),
    Panel("loss", (r"^train/loss$", r"^val/loss$"), all_matches=True),
    Panel("learning rate", (r"^(?:train|actor)/lr$",)),
)


def to_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def stage_curves(stage: StageData) -> bytes | None:
    """One panel per metric family the stage logged, three to a row."""
    panels = [(panel, panel.series(stage.metrics)) for panel in PANELS]
    panels = [(panel, keys) for panel, keys in panels if keys]
    if not panels:
        return None
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure = Figure(figsize=(4.2 * columns, 2.9 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for axis, (panel, keys) in zip(axes.flat, panels, strict=False):
        for color, key in zip(COLORS, keys, strict=False):
            steps, values = zip(*stage.metrics[key], strict=True)
            axis.plot(steps, values, color=color, marker="." if len(steps) < 30 else None, label=key)
        if len(keys) > 1:
            axis.legend(fontsize=6)
        if panel.secondary and panel.secondary in stage.metrics:
            twin = axis.twinx()
            steps, values = zip(*stage.metrics[panel.secondary], strict=True)
            twin.plot(steps, values, color="#7f7f7f", linestyle="--", label="clip ratio")
            twin.set_ylabel("clip ratio (dashed)", fontsize=8)
            twin.set_ylim(0, max(1.0, max(values) * 1.05))
        axis.set_title(panel.title, fontsize=10)
        axis.set_xlabel("step", fontsize=8)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.suptitle(f"{stage.name} ({stage.kind})", fontsize=11)
    figure.tight_layout()
    return to_png(figure)


def length_across_stages(stages: list[StageData], caps: dict[str, float] | None = None) -> bytes | None:
    """Mean response length of every GRPO stage on one step axis: the thinking-suppression picture.

    `caps` (stage name -> max response length) draws each stage's length limit as a dashed step.
    """
    stages = [s for s in stages if "response_length/mean" in s.metrics]
    if not stages:
        return None
    caps = caps or {}
    figure = Figure(figsize=(10, 3.6))
    axis = figure.subplots()
    offset = 0
    for color, stage in zip(COLORS * 4, stages, strict=False):
        points = stage.metrics["response_length/mean"]
        steps = [offset + step for step, _ in points]
        axis.plot(steps, [value for _, value in points], color=color, label=stage.name)
        if stage.name in caps:
            axis.hlines(caps[stage.name], offset, steps[-1], colors=color, linestyles="--", linewidth=1)
        axis.axvline(offset, color="#999999", linestyle=":", linewidth=1)
        offset = steps[-1]
    axis.set_xlabel("step (stages chained)")
    axis.set_ylabel("mean response length (tokens)")
    axis.set_title("Response length across GRPO stages")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return to_png(figure)


def cold_start_figure(stats: dict[str, Any]) -> bytes | None:
    """Funnel, rejection reasons, thinking-length distribution and reflective-word rates, as present.

    Lengths are drawn as histograms when `stats.json` carries raw lengths or bins, else as the
    percentiles it reports (`thinking_tokens: {kept|all: {p10, p50, p90, p99, mean, max}}`).
    """
    drawers = []
    funnel = funnel_steps(stats)
    if funnel:
        drawers.append(lambda axis: _bars(axis, funnel, "cold-start funnel", "#1f77b4"))
    outcomes = sample_outcomes(stats)
    if outcomes:
        drawers.append(lambda axis: _bars(axis, outcomes, "where the samples are", "#ff7f0e"))
    rejections = rejection_counts(stats)
    if rejections:
        drawers.append(lambda axis: _bars(axis, rejections, "rejections by reason", "#d62728"))
    for name, (edges, counts) in length_histograms(stats).items():
        drawers.append(
            lambda axis, name=name, edges=edges, counts=counts: _histogram(axis, name, edges, counts)
        )
    percentiles = length_percentiles(stats)
    if percentiles:
        drawers.append(lambda axis: _percentiles(axis, percentiles))
    reflective = {
        word: rate
        for word, rate in (stats.get("reflective_words_per_1k_tokens") or {}).items()
        if word != "total" and _is_number(rate)
    }
    if reflective:
        drawers.append(
            lambda axis: _bars(axis, reflective, "reflective words per 1K thinking tokens", "#9467bd")
        )
    if not drawers:
        return None
    columns = min(3, len(drawers))
    rows = -(-len(drawers) // columns)
    figure = Figure(figsize=(4.4 * columns, 3.0 * rows))
    axes = list(figure.subplots(rows, columns, squeeze=False).flat)
    for axis, draw in zip(axes, drawers, strict=False):
        draw(axis)
    for axis in axes[len(drawers) :]:
        axis.set_visible(False)
    rate = stats.get("answer_match_rate")
    if _is_number(rate):
        figure.suptitle(f"answer-match rate {100 * rate:.1f}%", fontsize=10)
    figure.tight_layout()
    return to_png(figure)


def _histogram(axis, name: str, edges: list[float], counts: list[float]) -> None:
    axis.stairs(counts, edges, fill=True, color="#2ca02c", alpha=0.7)
    axis.set_title(f"{name} length", fontsize=10)
    axis.set_xlabel("tokens", fontsize=8)
    axis.set_ylabel("samples", fontsize=8)


def _percentiles(axis, series: dict[str, dict[str, float]]) -> None:
    points = [key for key in ("p10", "p50", "p90", "p99", "max") if any(key in s for s in series.values())]
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series.items()):
        positions = [i + index * width for i in range(len(points))]
        axis.bar(positions, [values.get(p, 0.0) for p in points], width, label=name, color=COLORS[index % 8])
    axis.set_xticks([i + 0.4 - width / 2 for i in range(len(points))], points)
    axis.set_title("thinking length percentiles (tokens)", fontsize=10)
    axis.legend(fontsize=7)


def _bars(axis, counts: dict[str, float], title: str, color: str) -> None:
    labels = list(counts)
    axis.barh(labels[::-1], [counts[label] for label in labels][::-1], color=color)
    for index, label in enumerate(labels[::-1]):
        axis.text(counts[label], index, f" {counts[label]:g}", va="center", fontsize=8)
    axis.set_title(title, fontsize=10)
    axis.tick_params(axis="y", labelsize=8)
    axis.margins(x=0.2)


def funnel_steps(stats: dict[str, Any]) -> dict[str, float]:
    """`{step: count}` from `funnel` given as a mapping or as a list of `{step|name, count|n}`."""
    funnel = stats.get("funnel")
    if isinstance(funnel, dict):
        return {str(k): float(v) for k, v in funnel.items() if _is_number(v)}
    if isinstance(funnel, list):
        steps = {}
        for entry in funnel:
            if isinstance(entry, dict):
                name = entry.get("step") or entry.get("name") or entry.get("stage")
                count = next((entry[k] for k in ("count", "n", "kept") if _is_number(entry.get(k))), None)
                if name is not None and count is not None:
                    steps[str(name)] = float(count)
        return steps
    return {}


def sample_outcomes(stats: dict[str, Any]) -> dict[str, float]:
    """`{kept, lost to filters, failed generation, not yet generated: count}` from `outcomes`: samples
    lost for good apart from those an interrupted or outage-hit run has simply not generated yet."""
    outcomes = stats.get("outcomes")
    if not isinstance(outcomes, dict):
        return {}
    return {str(k).replace("_", " "): float(v) for k, v in outcomes.items() if _is_number(v)}


def rejection_counts(stats: dict[str, Any]) -> dict[str, float]:
    for key in ("rejections", "rejection_reasons", "rejected"):
        value = stats.get(key)
        if isinstance(value, dict):
            return {str(k): float(v) for k, v in value.items() if _is_number(v)}
    return {}


def length_histograms(stats: dict[str, Any]) -> dict[str, tuple[list[float], list[float]]]:
    """`{name: (edges, counts)}` from raw length lists or pre-binned `{edges|bins, counts}`."""
    import numpy as np

    source = next(
        (stats[k] for k in ("lengths", "length_histograms", "histograms") if isinstance(stats.get(k), dict)),
        {},
    )
    result = {}
    for name, value in source.items():
        if isinstance(value, list) and value and all(_is_number(v) for v in value):
            counts, edges = np.histogram(
                np.asarray(value, dtype=float), bins=min(30, max(5, len(value) // 5))
            )
            result[str(name)] = (edges.tolist(), counts.tolist())
        elif isinstance(value, dict):
            edges = value.get("edges") or value.get("bins")
            counts = value.get("counts")
            if isinstance(edges, list) and isinstance(counts, list) and len(edges) == len(counts) + 1:
                result[str(name)] = ([float(e) for e in edges], [float(c) for c in counts])
    return result


def length_percentiles(stats: dict[str, Any]) -> dict[str, dict[str, float]]:
    """`{series: {p10: .., p50: .., ...}}` from `thinking_tokens` (the cold-start pipeline's shape)."""
    source = stats.get("thinking_tokens")
    if not isinstance(source, dict):
        return {}
    result = {}
    for name, values in source.items():
        if isinstance(values, dict):
            numbers = {str(k): float(v) for k, v in values.items() if _is_number(v)}
            if numbers:
                result[str(name)] = numbers
    return result


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
