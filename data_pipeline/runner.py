"""`run_cold_start`: the whole pipeline, config in, SFT set + stats out. The CLI and the stage runner
both call this.

Output directory layout:
  journal.jsonl    every finished request (the resume state; keep it to resume or extend a run)
  sft.parquet      the SFT set (`messages` + `images`), written complete or not at all
  stats.json       funnel, failure and rejection counts, answer-match rate, thinking lengths, reflective words
  decisions.jsonl  per input sample: kept / rejected / failed / pending, with the reason

A run that leaves samples not yet generated (transient failures, an endpoint down past its outage
budget) still writes all four from what it has, then raises IncompleteRunError: a caller or a stage
must not take a partial set for a finished one, and re-running the same call completes it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_pipeline.assemble import Assembler, jsonl_text, write_text_atomically
from data_pipeline.config import ColdStartConfig, OpenAIEndpoint, SyntheticInput, load_config
from data_pipeline.engines import build_engines, close_engines, distinct_engines, endpoint_outages
from data_pipeline.generation import Generator
from data_pipeline.inputs import count_and_check_ids, iter_samples, synthetic_input
from data_pipeline.journal import Journal
from data_pipeline.progress import StepProgress
from data_pipeline.stats import StatsCollector, incomplete_message, print_summary
from data_pipeline.steps import STEP_NAMES, build_steps

JOURNAL_FILE = "journal.jsonl"
SFT_FILE = "sft.parquet"
STATS_FILE = "stats.json"
DECISIONS_FILE = "decisions.jsonl"


@dataclass(frozen=True)
class ColdStartOutputs:
    sft_path: Path
    stats_path: Path
    decisions_path: Path
    journal_path: Path
    stats: dict[str, Any]


class IncompleteRunError(RuntimeError):
    """Samples are not yet generated; every output was written from what is finished (`outputs`)."""

    def __init__(self, outputs: ColdStartOutputs):
        super().__init__(incomplete_message(outputs.stats, str(outputs.journal_path)))
        self.outputs = outputs


def _default_workers(config: ColdStartConfig) -> int:
    """Enough samples in flight to keep every engine's slots (or batch) busy while others wait on
    earlier steps; two per slot was enough to saturate a server in benchmarks/cold_start.py."""
    capacities = {}
    for endpoint in (config.vlm, config.reasoner):
        if isinstance(endpoint, OpenAIEndpoint):
            capacities[endpoint.base_url.rstrip("/")] = endpoint.max_concurrency
        else:
            capacities[endpoint.model_dir] = endpoint.batch_size
    return max(4, 2 * sum(capacities.values()))


def run_cold_start(
    config: dict[str, Any] | str | Path,
    *,
    output_dir: str | Path | None = None,
    input_path: str | Path | None = None,
    retry_failed: bool = False,
    limit: int | None = None,
    progress: bool = True,
    summary: bool = True,
) -> ColdStartOutputs:
    """Run (or resume) the cold-start pipeline.

    `config`: a mapping or a YAML path (see data_pipeline/configs/). `output_dir` / `input_path` /
    `limit` override the config's. `retry_failed` re-sends requests journaled as permanent failures.
    Raises ConfigError, InputError, TemplateError, JournalError or FatalEngineError with a message that
    names what is wrong; whatever was finished before stays in the journal. Raises IncompleteRunError,
    after writing every output, when samples are left not yet generated.
    """
    cfg = load_config(config)
    out = Path(output_dir if output_dir is not None else cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    limit = limit if limit is not None else cfg.limit
    if input_path is not None:
        source = Path(input_path)
    elif isinstance(cfg.input, SyntheticInput):
        source = synthetic_input(cfg.input.synthetic, out)
    else:
        source = Path(cfg.input)
    total = count_and_check_ids(source, limit)
    steps = build_steps(cfg.steps)
    started = time.perf_counter()
    journal = Journal.open(out / JOURNAL_FILE)
    try:
        engines = build_engines({"vlm": cfg.vlm, "reasoner": cfg.reasoner}, out)
        bars = StepProgress(STEP_NAMES, total, enabled=progress)
        generator = Generator(steps, engines, journal, bars, retry_failed=retry_failed, run_seed=cfg.seed)

        async def generate() -> None:
            try:
                await generator.run(
                    iter_samples(source, limit), cfg.max_samples_in_flight or _default_workers(cfg)
                )
            finally:
                await close_engines(engines)

        try:
            asyncio.run(generate())
        finally:
            bars.close()
        retries = sum(engine.retries for engine in distinct_engines(engines))
        outages = [outage.as_dict() for outage in endpoint_outages(engines)]
        generated = time.perf_counter()
        collector = StatsCollector(total)
        assembler = Assembler(journal, cfg.filters, cfg.assemble, collector)
        sft_path = out / SFT_FILE
        assembler.write(source, limit, generator.outcomes, sft_path)
    finally:
        journal.close()
    finished = time.perf_counter()
    seconds = {
        "generation": generated - started,
        "assembly": finished - generated,
        "total": finished - started,
    }
    stats = collector.summary(bars.counts(), retries, seconds, outages)
    stats["input"] = str(source)
    decisions_path = out / DECISIONS_FILE
    write_text_atomically(decisions_path, jsonl_text(assembler.decisions))
    stats_path = out / STATS_FILE
    write_text_atomically(stats_path, json.dumps(stats, indent=2, ensure_ascii=False) + "\n")
    if summary:
        print_summary(stats)
    outputs = ColdStartOutputs(sft_path, stats_path, decisions_path, out / JOURNAL_FILE, stats)
    if not stats["complete"]:
        raise IncompleteRunError(outputs)
    return outputs
