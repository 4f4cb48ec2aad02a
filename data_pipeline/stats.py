"""The run's statistics: the funnel, why samples were lost, and the quality measures of the paper.

Saved as `stats.json` next to the SFT set and printed as a one-screen table at the end of a run.
Samples that are not yet generated (their request got no answer this run: a transient failure or an
endpoint outage) are counted apart from those lost for good (a permanent failure or a filter), so an
outage never reads as a loss, and the summary says how to finish them.
Reflective-word rates (per 1K tokens of kept thinking) are the measure Vision-R1 uses to show that
modality bridging yields human-like reasoning ("Wait", "Alternatively", "Hmm").
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from data_pipeline.engines.health import describe_outage
from data_pipeline.filters import Verdict
from data_pipeline.steps import STEP_NAMES
from data_pipeline.text_metrics import (
    REFLECTIVE_WORDS,
    count_tokens,
    histogram,
    percentiles,
    reflective_counts,
)


class StatsCollector:
    def __init__(self, total_input: int):
        self.total_input = total_input
        self.failures: dict[str, Counter[str]] = {step: Counter() for step in STEP_NAMES}
        self.pending: dict[str, Counter[str]] = {step: Counter() for step in STEP_NAMES}
        self.rejections: Counter[str] = Counter()
        self.rule_failures: Counter[str] = Counter()
        self.rewrites: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.judged = 0
        self.matched = 0
        self.kept = 0
        self.thinking_all: list[int] = []
        self.thinking_kept: list[int] = []
        self.reflective: Counter[str] = Counter()

    def failed(self, step: str, reason: str, pending: bool) -> None:
        (self.pending if pending else self.failures)[step][reason] += 1

    def observe(self, verdict: Verdict, source: str) -> None:
        self.judged += 1
        self.sources[source] += 1
        self.matched += bool(verdict.matched)
        self.rewrites.update(verdict.rewrites)
        self.rule_failures.update(verdict.failed_rules)
        tokens = count_tokens(verdict.thinking)
        self.thinking_all.append(tokens)
        if verdict.kept:
            self.kept += 1
            self.thinking_kept.append(tokens)
            self.reflective.update(reflective_counts(verdict.thinking))
        else:
            self.rejections[verdict.reason or "unknown"] += 1

    def funnel(self) -> dict[str, int]:
        counts = {"input": self.total_input}
        remaining = self.total_input
        for step in STEP_NAMES:
            remaining -= sum(self.failures[step].values()) + sum(self.pending[step].values())
            counts[step] = remaining
        counts["kept"] = self.kept
        return counts

    def outcomes(self) -> dict[str, int]:
        """Every input sample in exactly one bucket: kept, lost to filters, failed, or not yet generated."""
        return {
            "kept": self.kept,
            "lost_to_filters": self.judged - self.kept,
            "failed_generation": sum(sum(c.values()) for c in self.failures.values()),
            "not_yet_generated": sum(sum(c.values()) for c in self.pending.values()),
        }

    def reflective_rates(self) -> dict[str, float]:
        tokens = sum(self.thinking_kept)
        rates = {
            word: (1000.0 * self.reflective[word] / tokens if tokens else 0.0) for word in REFLECTIVE_WORDS
        }
        rates["total"] = sum(rates.values())
        return rates

    def summary(
        self,
        requests: dict[str, dict[str, int]],
        retries: int,
        seconds: dict[str, float],
        outages: list[dict[str, Any]],
    ) -> dict[str, Any]:
        outcomes = self.outcomes()
        return {
            "complete": outcomes["not_yet_generated"] == 0,
            "funnel": self.funnel(),
            "outcomes": outcomes,
            "failures": {step: dict(sorted(c.items())) for step, c in self.failures.items()},
            "pending": {step: dict(sorted(c.items())) for step, c in self.pending.items()},
            "rejections": dict(self.rejections.most_common()),
            "rule_failures": dict(self.rule_failures.most_common()),
            "answer_match_rate": self.matched / self.judged if self.judged else 0.0,
            "thinking_tokens": {
                "kept": percentiles(self.thinking_kept),
                "all": percentiles(self.thinking_all),
            },
            "length_histograms": {
                "thinking tokens (kept)": histogram(self.thinking_kept),
                "thinking tokens (all)": histogram(self.thinking_all),
            },
            "reflective_words_per_1k_tokens": self.reflective_rates(),
            "thinking_sources": dict(sorted(self.sources.items())),
            "rewrites": dict(self.rewrites.most_common()),
            "requests": {**requests, "transient_retries": retries},
            "outages": outages,
            "seconds": {phase: round(value, 3) for phase, value in seconds.items()},
        }


def _reasons(counts: dict[str, dict[str, int]]) -> str:
    """`step: reason n, ...` over the steps that have any."""
    return "; ".join(
        f"{step}: " + ", ".join(f"{reason} {n}" for reason, n in reasons.items())
        for step, reasons in counts.items()
        if reasons
    )


def incomplete_message(stats: dict[str, Any], journal: str) -> str:
    """Why a run is incomplete and how to finish it (printed by the CLI, raised by `run_cold_start`)."""
    missing = stats["outcomes"]["not_yet_generated"]
    lines = [
        f"cold start incomplete: {missing} of {stats['funnel']['input']} samples not yet generated "
        f"({_reasons(stats['pending'])}).",
        *[describe_outage(outage) for outage in stats["outages"] if not outage["recovered"]],
        f"Everything finished is journaled in {journal}. Run the same command again (when the endpoint "
        "answers) to send only what is missing; finished requests are not repeated.",
    ]
    return "\n".join(lines)


def funnel_table(stats: dict[str, Any]) -> Table:
    """The end-of-run summary: each stage's count, its share of the input, and where samples went."""
    funnel = stats["funnel"]
    total = max(funnel["input"], 1)
    table = Table(title="cold-start funnel", show_lines=False)
    table.add_column("stage")
    table.add_column("samples", justify="right")
    table.add_column("% input", justify="right")
    table.add_column("lost here (reason: count)")
    table.add_column("not yet generated")
    lost = {step: stats["failures"][step] for step in STEP_NAMES}
    lost["kept"] = stats["rejections"]
    for stage, count in funnel.items():
        reasons = ", ".join(f"{reason}: {n}" for reason, n in lost.get(stage, {}).items())
        pending = ", ".join(f"{reason}: {n}" for reason, n in stats["pending"].get(stage, {}).items())
        table.add_row(stage, str(count), f"{100.0 * count / total:.1f}", reasons, pending)
    return table


def print_summary(stats: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(funnel_table(stats))
    thinking = stats["thinking_tokens"]["kept"]
    reflective = stats["reflective_words_per_1k_tokens"]
    console.print(
        f"answer match rate {100.0 * stats['answer_match_rate']:.1f}% | thinking tokens (kept) "
        + (
            f"p50 {thinking['p50']:.0f} p90 {thinking['p90']:.0f} max {thinking['max']:.0f}"
            if thinking
            else "n/a"
        )
        + " | reflective words per 1K tokens "
        + ", ".join(f"{word} {rate:.2f}" for word, rate in reflective.items())
    )
    requests = stats["requests"]
    sent = sum(
        step.get("new", 0) + step.get("failed", 0) + step.get("pending", 0)
        for step in requests.values()
        if isinstance(step, dict)
    )
    reused = sum(step.get("reused", 0) for step in requests.values() if isinstance(step, dict))
    console.print(
        f"requests: {sent} sent, {reused} reused from the journal, "
        f"{requests['transient_retries']} transient retries; {stats['seconds']['total']:.1f} s"
    )
    outcomes = stats["outcomes"]
    console.print(
        f"samples: {outcomes['kept']} kept, {outcomes['lost_to_filters']} lost to filters, "
        f"{outcomes['failed_generation']} failed generation, {outcomes['not_yet_generated']} not yet generated"
    )
    for outage in stats["outages"]:
        console.print(f"outage: {describe_outage(outage)}", markup=False)
    if outcomes["failed_generation"]:
        console.print(
            f"{outcomes['failed_generation']} samples failed permanently ({_reasons(stats['failures'])}): "
            "`--retry-failed` sends them again.",
            markup=False,
        )
    if outcomes["not_yet_generated"]:
        console.print(
            f"[yellow]{outcomes['not_yet_generated']} samples not yet generated: run the same command "
            "again to send them.[/]"
        )
