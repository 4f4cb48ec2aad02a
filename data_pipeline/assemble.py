"""Step 4: judge every reasoning output and write the kept ones as the SFT set, images re-attached.

Runs after generation over the input table in its own order, so the SFT file's content and row
order depend only on the journaled replies, never on which request happened to finish first: an
interrupted and resumed run writes the same file as an uninterrupted one. The `<answer>` holds the
ground truth in `answer_format` (the kept reasoning reached that same answer).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from data_pipeline.chat import Completion
from data_pipeline.config import AssembleConfig, FilterConfig
from data_pipeline.filters import judge
from data_pipeline.generation import SampleOutcome
from data_pipeline.inputs import iter_samples
from data_pipeline.journal import Journal
from data_pipeline.reasoning_output import split_reasoning
from data_pipeline.stats import StatsCollector
from vision_r1.data.example import RowError
from vision_r1.data.sft_format import single_turn_sft_row, write_sft_parquet


def answer_text(answer_format: str, answer: str) -> str:
    return answer_format.replace("{answer}", answer)


class Assembler:
    def __init__(
        self, journal: Journal, filters: FilterConfig, assemble: AssembleConfig, stats: StatsCollector
    ):
        self.journal = journal
        self.filters = filters
        self.assemble = assemble
        self.stats = stats
        self.decisions: list[dict[str, Any]] = []

    def _rows(
        self, input_path: Path, limit: int | None, outcomes: dict[str, SampleOutcome]
    ) -> Iterator[dict]:
        for sample in iter_samples(input_path, limit):
            outcome = outcomes[sample.id]
            if outcome.reasoning_key is None:
                self.stats.failed(outcome.failed_step or "", outcome.reason or "unknown", outcome.pending)
                self.decisions.append(
                    {
                        "id": sample.id,
                        "status": "pending" if outcome.pending else "failed",
                        "step": outcome.failed_step,
                        "reason": outcome.reason,
                    }
                )
                continue
            completion = Completion.from_dict(self.journal.read(outcome.reasoning_key)["output"])
            output = split_reasoning(completion)
            verdict = judge(output, completion.finish_reason, sample.answer, sample.choices, self.filters)
            row, detail = None, None
            if verdict.kept:
                try:
                    row = single_turn_sft_row(
                        sample.question,
                        list(sample.images),
                        verdict.thinking,
                        answer_text(self.assemble.answer_format, sample.answer),
                    )
                except RowError as error:  # e.g. an image the SFT writer cannot decode
                    verdict.failed_rules.append("invalid_sft_row")
                    detail = str(error)
            self.stats.observe(verdict, output.source)
            decision = {
                "id": sample.id,
                "status": "kept" if verdict.kept else "rejected",
                "reason": verdict.reason,
                "failed_rules": verdict.failed_rules,
                "predicted": verdict.predicted,
                "matched": verdict.matched,
            }
            if detail:
                decision["detail"] = detail
            self.decisions.append(decision)
            if row is not None and verdict.kept:
                yield row

    def write(
        self, input_path: Path, limit: int | None, outcomes: dict[str, SampleOutcome], sft_path: Path
    ) -> int:
        """Write the SFT parquet (renamed into place when complete); returns the number of rows."""
        return write_sft_parquet(self._rows(input_path, limit, outcomes), sft_path)


def write_text_atomically(path: Path, text: str) -> None:
    """Write under a temporary name, fsync, rename: a reader sees the old file or the new one, never half."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def jsonl_text(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
