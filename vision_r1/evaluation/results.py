"""The per-benchmark results file: one JSON line per judged sample of a question, appended and fsynced.

A run killed at any moment keeps every item judged before the kill; the next run reads the file,
skips those items and appends the rest. A half-written last line (the kill landed mid-write) is cut
off before appending so it can never corrupt the next record. The settings that decide what a
result means (model, sampling, prompt, retries, extractor) are stored next to the results; resuming
with different ones is refused rather than silently mixing two evaluations in one score.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RESULTS_FILE = "results.jsonl"
CONFIG_FILE = "eval_config.json"


class ResumeMismatchError(RuntimeError):
    """Existing results were produced with different settings than the ones requested now."""


class ResultStore:
    def __init__(self, directory: Path, config: dict[str, Any]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / RESULTS_FILE
        self._check_config(config)
        self.records: dict[tuple[str, int], dict[str, Any]] = {}
        if self.path.exists():
            self._load()

    def _check_config(self, config: dict[str, Any]) -> None:
        config_path = self.directory / CONFIG_FILE
        normalized = json.loads(json.dumps(config, sort_keys=True, default=str))
        if config_path.exists():
            previous = json.loads(config_path.read_text())
            changed = sorted(
                key for key in set(previous) | set(normalized) if previous.get(key) != normalized.get(key)
            )
            if changed and self.path.exists() and self.path.stat().st_size > 0:
                details = "; ".join(f"{k}: {previous.get(k)!r} -> {normalized.get(k)!r}" for k in changed)
                raise ResumeMismatchError(
                    f"{self.directory} holds results made with other settings ({details}). "
                    "Use another output directory, or delete it to start over."
                )
        temporary = config_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(normalized, indent=2, sort_keys=True) + "\n")
        os.replace(temporary, config_path)

    def _load(self) -> None:
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):
            with self.path.open("r+b") as handle:  # drop the torn tail left by a kill mid-write
                handle.truncate(len(complete))
        for number, line in enumerate(complete.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{self.path}: line {number} is not valid JSON ({error.msg})") from error
            self.records[record_key(record)] = record

    def __contains__(self, key: tuple[str, int]) -> bool:
        return key in self.records

    def replace_all(self, records: list[dict[str, Any]]) -> None:
        """Write the whole file anew, atomically (judging given responses redoes every record)."""
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        self.records = {record_key(record): record for record in records}

    def append(self, records: list[dict[str, Any]]) -> None:
        """Write a batch of judged items durably (one write and one fsync per batch)."""
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        for record in records:
            self.records[record_key(record)] = record


def record_key(record: dict[str, Any]) -> tuple[str, int]:
    """(item id, sample number); records written before samples existed are sample 0."""
    return str(record["id"]), int(record.get("sample", 0))
