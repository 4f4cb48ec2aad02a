"""`vision-r1 eval --responses FILE -b KIND=PATH`: judge responses generated elsewhere, no model needed.

Responses from another framework, a hosted API or a paper's released outputs get the very same
judging, tables and files as a model evaluated here. The file is JSONL (or a JSON list, or a JSON
object keyed by id, as MathVista's released outputs are), one response per line:

    {"id": "12", "response": "<think>...</think><answer>B</answer>"}
    {"id": "13", "responses": ["...", "..."]}                       # n samples of one item
    {"benchmark": "mathverse", "id": "7", "sample": 1, "response": "...", "num_tokens": 812}

- `id`: the item id as in `results.jsonl` (also read from `pid`, `sample_index`, `question_id`
  or `index`; MathVerse's Text Only items are `text_only-<sample_index>`);
- `response` (also `model_answer`, `prediction`, `output`), or `responses` for several samples;
  `sample` numbers the samples of one item when they come on separate lines;
- `benchmark`: the benchmark's name, needed only when several `-b` are given;
- `num_tokens`, `truncated`: optional; unknown lengths are left out of the length statistics.
Every item of every benchmark needs the same number of responses; an unknown id, a repeated
(id, sample) pair or a missing item is an error naming the file, line and field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from vision_r1.evaluation.benchmarks import BenchmarkSpec
from vision_r1.evaluation.benchmarks.records import iter_jsonl, read_records
from vision_r1.evaluation.generation import Generation
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem
from vision_r1.evaluation.judging import judge, result_record
from vision_r1.evaluation.llm_extractor import LLMAnswerExtractor
from vision_r1.evaluation.official import OFFICIAL_RULES
from vision_r1.evaluation.results import ResultStore
from vision_r1.evaluation.runner import checked_items, make_extractor, unique_specs
from vision_r1.evaluation.settings import EvalSettings
from vision_r1.evaluation.summaries import benchmark_summary, write_evaluation

ID_FIELDS = ("id", "pid", "sample_index", "question_id", "index", "_key")
RESPONSE_FIELDS = ("response", "model_answer", "prediction", "output")
Responses = dict[str, dict[tuple[str, int], Generation]]  # benchmark -> (item id, sample) -> response


def score_responses(
    responses_file: str | Path,
    benchmarks: Sequence[BenchmarkSpec | dict[str, Any] | str],
    out_dir: str | Path,
    label: str | None = None,
    settings: EvalSettings | dict[str, Any] | None = None,
    extractor: LLMAnswerExtractor | None = None,
) -> dict[str, Any]:
    """Judge the responses in `responses_file` on `benchmarks`; returns the summary dict.

    Of `settings` only the answer extractor applies: sampling happened wherever the responses were made.
    """
    path = Path(responses_file)
    settings = EvalSettings.from_value(settings)
    specs = unique_specs(benchmarks)
    extractor = extractor or make_extractor(settings)
    items = {spec.name: checked_items(spec) for spec in specs}
    given = read_responses(path, items)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    endpoint = settings.llm_extractor
    extracting = (
        {"llm_extractor": {"base_url": endpoint.base_url, "model": endpoint.model}} if endpoint else {}
    )
    summaries = {}
    for spec in specs:
        records = _judged(spec, items[spec.name], given[spec.name], extractor, path)
        directory = out / spec.name
        identity = {"responses": str(path.resolve()), "kind": spec.kind, "path": str(spec.path), **extracting}
        ResultStore(directory, identity).replace_all(records)
        summaries[spec.name] = benchmark_summary(spec, items[spec.name], records, None, directory)
    origin = {"responses": str(path)}
    return write_evaluation(
        out, label or path.stem, origin, {"responses": str(path), **extracting}, summaries
    )


def _judged(
    spec: BenchmarkSpec,
    items: list[EvalItem],
    given: dict[tuple[str, int], Generation],
    extractor: LLMAnswerExtractor | None,
    path: Path,
) -> list[dict[str, Any]]:
    samples = _samples_per_item(spec, items, given, path)
    official = OFFICIAL_RULES.get(spec.kind)
    records = []
    for item in tqdm(items, desc=spec.name, unit="item"):
        for sample in range(samples):
            generation = given[(item.item_id, sample)]
            verdict = judge(item, generation.text, extractor, official)
            records.append(result_record(item, [(generation, verdict)], sample))
    return records


def _samples_per_item(
    spec: BenchmarkSpec, items: list[EvalItem], given: dict[tuple[str, int], Generation], path: Path
) -> int:
    counts: dict[str, int] = defaultdict(int)
    for item_id, _ in given:
        counts[item_id] += 1
    missing = [item.item_id for item in items if not counts[item.item_id]]
    if missing:
        raise BenchmarkFormatError(
            f"{path}: {len(missing)} of the {len(items)} items of benchmark '{spec.name}' have no response "
            f"(first: {', '.join(missing[:5])})"
        )
    if len(set(counts.values())) > 1:
        raise BenchmarkFormatError(
            f"{path}: benchmark '{spec.name}': items have between {min(counts.values())} and "
            f"{max(counts.values())} responses; every item needs the same number"
        )
    samples = next(iter(counts.values()))
    gaps = [key for key in given if key[1] >= samples]
    if gaps:
        raise BenchmarkFormatError(
            f"{path}: benchmark '{spec.name}': item {gaps[0][0]} has sample {gaps[0][1]} but only "
            f"{samples} responses; samples are numbered from 0"
        )
    return samples


def read_responses(path: Path, items: dict[str, list[EvalItem]]) -> Responses:
    """Every response of the file, checked against the benchmarks' item ids."""
    known = {name: {item.item_id for item in benchmark_items} for name, benchmark_items in items.items()}
    given: Responses = {name: {} for name in items}
    next_sample: dict[tuple[str, str], int] = defaultdict(int)
    for where, row in _rows(path):
        name = _benchmark_of(row, where, list(items))
        item_id = _item_id(row, where)
        if item_id not in known[name]:
            raise BenchmarkFormatError(
                f"{where}: field 'id': '{item_id}' is not an item of benchmark '{name}'"
            )
        for sample, generation in _generations(row, where, next_sample[(name, item_id)]):
            if (item_id, sample) in given[name]:
                raise BenchmarkFormatError(
                    f"{where}: item '{item_id}' sample {sample} already has a response"
                )
            given[name][(item_id, sample)] = generation
            next_sample[(name, item_id)] = max(next_sample[(name, item_id)], sample + 1)
    return given


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for each response row; JSONL streams, JSON is read whole."""
    if not path.is_file():
        raise BenchmarkFormatError(f"{path}: responses file not found")
    if path.suffix != ".jsonl":
        for number, row in enumerate(read_records(path)):
            yield f"{path}: row {number}", row
        return
    for number, row in iter_jsonl(path):
        yield f"{path}: line {number}", row


def _benchmark_of(row: dict[str, Any], where: str, names: list[str]) -> str:
    name = row.get("benchmark")
    if name is None:
        if len(names) > 1:
            raise BenchmarkFormatError(
                f"{where}: field 'benchmark' is needed when several benchmarks are scored (one of {', '.join(names)})"
            )
        return names[0]
    if str(name) not in names:
        raise BenchmarkFormatError(f"{where}: field 'benchmark': '{name}' is not one of {', '.join(names)}")
    return str(name)


def _item_id(row: dict[str, Any], where: str) -> str:
    for name in ID_FIELDS:
        if row.get(name) not in (None, ""):
            return str(row[name])
    raise BenchmarkFormatError(f"{where}: no item id (looked for fields {', '.join(ID_FIELDS[:-1])})")


def _generations(row: dict[str, Any], where: str, next_sample: int) -> list[tuple[int, Generation]]:
    """(sample number, response) pairs of one row."""
    tokens, truncated = row.get("num_tokens"), row.get("truncated")
    if tokens is not None and (not isinstance(tokens, int) or tokens < 0):
        raise BenchmarkFormatError(f"{where}: field 'num_tokens' must be a whole number, got {tokens!r}")
    if truncated is not None and not isinstance(truncated, bool):
        raise BenchmarkFormatError(f"{where}: field 'truncated' must be true or false, got {truncated!r}")
    if "responses" in row:
        texts = row["responses"]
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts) or not texts:
            raise BenchmarkFormatError(f"{where}: field 'responses' must be a non-empty list of strings")
        return [(sample, Generation(text, None, None)) for sample, text in enumerate(texts)]
    field = next((name for name in RESPONSE_FIELDS if name in row), None)
    if field is None:
        raise BenchmarkFormatError(
            f"{where}: no response (looked for fields responses, {', '.join(RESPONSE_FIELDS)})"
        )
    text = row[field]
    if not isinstance(text, str):
        raise BenchmarkFormatError(f"{where}: field '{field}' must be a string, got {type(text).__name__}")
    sample = row.get("sample", next_sample)
    if not isinstance(sample, int) or sample < 0:
        raise BenchmarkFormatError(f"{where}: field 'sample' must be a whole number from 0, got {sample!r}")
    return [(sample, Generation(text, tokens, truncated))]
