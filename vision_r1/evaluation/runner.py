"""`run_evaluation`: the one function behind `vision-r1 eval MODEL_DIR` and the recipe's `eval` stage.

For each benchmark: load it, skip the (item, sample) pairs already in its `results.jsonl`,
generate the rest batch by batch (each batch judged twice, official and strict, and appended
durably before the next starts), then recompute the summary from the whole file. The model is
loaded only if some sample still needs a response, so re-running a finished evaluation only
rewrites the summaries. The output layout is described in `summaries`.
"""

from __future__ import annotations

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
from vision_r1.evaluation.official import OFFICIAL_RULES, OfficialRules
from vision_r1.evaluation.results import ResultStore
from vision_r1.evaluation.settings import EvalSettings
from vision_r1.evaluation.summaries import benchmark_summary, write_evaluation

Unit = tuple[EvalItem, int]  # one sample of one item


def run_evaluation(
    model_dir: str | Path,
    benchmarks: Sequence[BenchmarkSpec | dict[str, Any] | str],
    out_dir: str | Path,
    settings: EvalSettings | dict[str, Any] | None = None,
    extractor: LLMAnswerExtractor | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """Evaluate `model_dir` (an HF model directory) on `benchmarks`; returns the summary dict.

    `benchmarks` are `BenchmarkSpec`s, recipe mappings `{kind, path, name?, limit?}` or strings
    `[NAME:]KIND=PATH`. `settings` is an `EvalSettings` or its mapping. `extractor` overrides the
    LLM extractor built from `settings.llm_extractor` (any `ChatCompleter` wrapped in one).
    `label` names the table row (default: the model folder's name).
    """
    settings = EvalSettings.from_value(settings)
    specs = unique_specs(benchmarks)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    session = _Session(str(model_dir), settings, extractor or make_extractor(settings))
    summaries = {spec.name: session.evaluate(spec, out / spec.name) for spec in specs}
    origin = {"model_dir": str(model_dir)}
    return write_evaluation(out, label or Path(model_dir).name, origin, public_settings(settings), summaries)


def unique_specs(benchmarks: Sequence[BenchmarkSpec | dict[str, Any] | str]) -> list[BenchmarkSpec]:
    specs = [BenchmarkSpec.from_value(b) for b in benchmarks]
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"benchmark names must be unique, got {names}")
    return specs


def make_extractor(settings: EvalSettings) -> LLMAnswerExtractor | None:
    if settings.llm_extractor is None:
        return None
    return LLMAnswerExtractor(OpenAIChatCompleter(settings.llm_extractor))


def checked_items(spec: BenchmarkSpec) -> list[EvalItem]:
    """The benchmark's items; an unknown reward kind fails now, not after a model is loaded."""
    items = load_benchmark(spec)
    for item in items:
        try:
            item_kind(item)
        except ValueError as error:
            raise ValueError(f"benchmark '{spec.name}', item {item.item_id}: {error}") from error
    return items


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
        items = checked_items(spec)
        identity = {
            **self.settings.result_identity(Path(self.model_dir)),
            "kind": spec.kind,
            "path": str(spec.path),
            **({"options": spec.options} if spec.options else {}),
        }
        store = ResultStore(directory, identity)
        units = [(item, sample) for item in items for sample in range(self.settings.samples)]
        pending = [(item, sample) for item, sample in units if (item.item_id, sample) not in store]
        official = OFFICIAL_RULES.get(spec.kind)
        step = self.settings.resolved_batch_size(self.backend)
        with tqdm(
            total=len(units), initial=len(units) - len(pending), desc=spec.name, unit="sample"
        ) as progress:
            for start in range(0, len(pending), step):
                batch = pending[start : start + step]
                attempts = self._attempts([item for item, _ in batch], official)
                store.append(
                    [
                        result_record(item, tries, sample)
                        for (item, sample), tries in zip(batch, attempts, strict=True)
                    ]
                )
                progress.update(len(batch))
        records = [store.records[(item.item_id, sample)] for item, sample in units]
        return benchmark_summary(spec, items, records, self.settings.retry, directory)

    def _attempts(
        self, batch: list[EvalItem], official: OfficialRules | None
    ) -> list[list[tuple[Generation, Verdict]]]:
        """Generate and judge a batch; re-sample under the settings' retry rule while retries are left."""
        system = self.settings.system_prompt
        retry = self.settings.retry
        attempts: list[list[tuple[Generation, Verdict]]] = [[] for _ in batch]
        todo = list(range(len(batch)))
        for _ in range(1 + (retry["max_retries"] if retry else 0)):
            generations = self.generator.generate(
                [GenerationRequest.for_item(batch[i], system) for i in todo]
            )
            for index, generation in zip(todo, generations, strict=True):
                verdict = judge(batch[index], generation.text, self.extractor, official)
                attempts[index].append((generation, verdict))
            todo = [
                i
                for i in todo
                if self.settings.retry_needed(attempts[i][-1][0].text, attempts[i][-1][1].format_ok)
            ]
            if not todo:
                break
        return attempts


def public_settings(settings: EvalSettings) -> dict[str, Any]:
    values = asdict(settings)
    if settings.llm_extractor is not None:  # the endpoint, never a key (keys are only read from env)
        values["llm_extractor"] = {
            "base_url": settings.llm_extractor.base_url,
            "model": settings.llm_extractor.model,
        }
    return values
