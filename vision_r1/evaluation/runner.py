"""`run_evaluation`: the one function behind `vision-r1 eval` and the recipe's `eval` stage.

For each benchmark: load it, skip items already in its `results.jsonl`, generate the rest batch by
batch (each batch judged and appended durably before the next starts), then recompute the summary
from the whole file. The model is loaded only if some item still needs a response, so re-running a
finished evaluation only rewrites the summaries.

Output layout under `out_dir`:
    summary.json             {"model_dir", "settings", "benchmarks": {name: summary}, "table": row}
    summary.md               the paper-layout table plus per-benchmark details
    <benchmark>/results.jsonl     one line per item (question, response, extracted answer, verdict)
    <benchmark>/summary.json      that benchmark's summary
    <benchmark>/eval_config.json  the settings its results were made with
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from vision_r1.evaluation.benchmarks import BenchmarkSpec, load_benchmark
from vision_r1.evaluation.generation import Generation, GenerationRequest, Generator, make_generator
from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.judging import Verdict, item_kind, judge, result_record
from vision_r1.evaluation.llm_extractor import LLMAnswerExtractor, OpenAIChatCompleter
from vision_r1.evaluation.metrics import summarize
from vision_r1.evaluation.results import ResultStore
from vision_r1.evaluation.settings import EvalSettings
from vision_r1.evaluation.summary_markdown import summary_markdown
from vision_r1.evaluation.table import table_row
from vision_r1.evaluation.tasks import task_summary

SUMMARY_FILE = "summary.json"


def run_evaluation(
    model_dir: str | Path,
    benchmarks: Sequence[BenchmarkSpec | dict[str, Any] | str],
    out_dir: str | Path,
    settings: EvalSettings | dict[str, Any] | None = None,
    extractor: LLMAnswerExtractor | None = None,
) -> dict[str, Any]:
    """Evaluate `model_dir` (an HF model directory) on `benchmarks`; returns the summary dict.

    `benchmarks` are `BenchmarkSpec`s, recipe mappings `{kind, path, name?, limit?}` or strings
    `[NAME:]KIND=PATH`. `settings` is an `EvalSettings` or its mapping. `extractor` overrides the
    LLM extractor built from `settings.llm_extractor` (any `ChatCompleter` wrapped in one).
    """
    settings = EvalSettings.from_value(settings)
    specs = [BenchmarkSpec.from_value(b) for b in benchmarks]
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"benchmark names must be unique, got {names}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if extractor is None and settings.llm_extractor is not None:
        extractor = LLMAnswerExtractor(OpenAIChatCompleter(settings.llm_extractor))
    session = _Session(str(model_dir), settings, extractor)
    summaries = {}
    for spec in specs:
        summaries[spec.name] = session.evaluate(spec, out / spec.name)
    summary = {
        "model_dir": str(model_dir),
        "settings": _public_settings(settings),
        "benchmarks": summaries,
        "table": table_row(Path(model_dir).name, summaries),
    }
    _write_json(out / SUMMARY_FILE, summary)
    (out / "summary.md").write_text(summary_markdown(summary))
    return summary


class _Session:
    """Holds the generator across benchmarks, created on first need."""

    def __init__(self, model_dir: str, settings: EvalSettings, extractor: LLMAnswerExtractor | None) -> None:
        self.model_dir = model_dir
        self.settings = settings
        self.extractor = extractor
        self.backend = settings.resolved_backend()
        self._generator: Generator | None = None

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = make_generator(
                self.backend,
                self.model_dir,
                self.settings.sampling,
                batch_size=self.settings.resolved_batch_size("transformers"),
                tensor_parallel_size=self.settings.tensor_parallel_size,
            )
        return self._generator

    def evaluate(self, spec: BenchmarkSpec, directory: Path) -> dict[str, Any]:
        items = load_benchmark(spec)
        for item in items:  # an unknown reward kind must fail now, not after the model is loaded
            try:
                item_kind(item)
            except ValueError as error:
                raise ValueError(f"benchmark '{spec.name}', item {item.item_id}: {error}") from error
        identity = {
            **self.settings.result_identity(Path(self.model_dir)),
            "kind": spec.kind,
            "path": str(spec.path),
            **({"options": spec.options} if spec.options else {}),
        }
        store = ResultStore(directory, identity)
        pending = [item for item in items if item.item_id not in store]
        step = self.settings.resolved_batch_size(self.backend)
        with tqdm(total=len(items), initial=len(items) - len(pending), desc=spec.name, unit="q") as progress:
            for start in range(0, len(pending), step):
                batch = pending[start : start + step]
                store.append(
                    [
                        result_record(item, attempts)
                        for item, attempts in zip(batch, self._attempts(batch), strict=True)
                    ]
                )
                progress.update(len(batch))
        records = [store.records[item.item_id] for item in items]
        summary = {
            "name": spec.name,
            "kind": spec.kind,
            "path": str(spec.path),
            **summarize(records, self.settings.format_retries),
            **task_summary(spec.kind, items, records, spec.options),
        }
        _write_json(directory / SUMMARY_FILE, summary)
        return summary

    def _attempts(self, batch: list[EvalItem]) -> list[list[tuple[Generation, Verdict]]]:
        """Generate and judge a batch; re-sample format failures while retries are left."""
        system = self.settings.system_prompt
        attempts: list[list[tuple[Generation, Verdict]]] = [[] for _ in batch]
        todo = list(range(len(batch)))
        for _ in range(1 + self.settings.format_retries):
            generations = self.generator.generate(
                [GenerationRequest.for_item(batch[i], system) for i in todo]
            )
            for index, generation in zip(todo, generations, strict=True):
                attempts[index].append((generation, judge(batch[index], generation.text, self.extractor)))
            todo = [i for i in todo if not attempts[i][-1][1].format_ok]
            if not todo:
                break
        return attempts


def _public_settings(settings: EvalSettings) -> dict[str, Any]:
    values = asdict(settings)
    if settings.llm_extractor is not None:  # the endpoint, never a key (keys are only read from env)
        values["llm_extractor"] = {
            "base_url": settings.llm_extractor.base_url,
            "model": settings.llm_extractor.model,
        }
    return values


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def load_summary(out_dir: str | Path) -> dict[str, Any]:
    """The summary an evaluation wrote (used by the run report)."""
    return json.loads((Path(out_dir) / SUMMARY_FILE).read_text())
