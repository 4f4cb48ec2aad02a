"""`vision-r1 data check`: validate a dataset file row by row, then load it through verl's own classes.

RL files go through verl 0.9.1's `RLHFDataset` (the same placeholder expansion, chat template and
processor call it uses to filter over-long prompts), SFT files through `MultiTurnSFTDataset`. The
token lengths therefore include the image tokens exactly as training will see them.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vision_r1.data.rl_format import write_rl_parquet
from vision_r1.data.row_checks import BadRow, file_kind, iter_checked

PERCENTILES = (50, 90, 95, 99, 100)


@dataclass
class CheckReport:
    file: str
    kind: str
    rows: int = 0
    images_per_row: Counter[int] = field(default_factory=Counter)
    prompt_lengths: list[int] = field(default_factory=list)
    sequence_lengths: list[int] = field(default_factory=list)
    max_prompt_length: int = 0
    max_length: int = 0
    without_think_format: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)

    @property
    def over_prompt_limit(self) -> int:
        return sum(length > self.max_prompt_length for length in self.prompt_lengths)

    @property
    def over_length_limit(self) -> int:
        return sum(length > self.max_length for length in self.sequence_lengths)

    def lines(self, show_bad: int = 50) -> list[str]:
        images = ", ".join(f"{count} row(s) with {n}" for n, count in sorted(self.images_per_row.items()))
        lines = [f"{self.file}: {self.kind} file, {self.rows} rows; images per row: {images or 'none'}"]
        lines.append(f"prompt tokens (incl. image tokens) {_percentile_text(self.prompt_lengths)}")
        lines.append(f"rows over max_prompt_length {self.max_prompt_length}: {self.over_prompt_limit}")
        if self.kind == "sft":
            lines.append(f"sequence tokens {_percentile_text(self.sequence_lengths)}")
            lines.append(f"rows over max_length {self.max_length}: {self.over_length_limit}")
            lines.append(f"rows whose assistant turns lack <think>/<answer>: {self.without_think_format}")
        lines.append(f"bad rows: {len(self.bad_rows)}")
        lines += [f"  {bad}" for bad in self.bad_rows[:show_bad]]
        if len(self.bad_rows) > show_bad:
            lines.append(f"  ... and {len(self.bad_rows) - show_bad} more (use --report FILE for all)")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "rows": self.rows,
            "images_per_row": {str(k): v for k, v in sorted(self.images_per_row.items())},
            "prompt_length_percentiles": _percentiles(self.prompt_lengths),
            "sequence_length_percentiles": _percentiles(self.sequence_lengths),
            "max_prompt_length": self.max_prompt_length,
            "rows_over_max_prompt_length": self.over_prompt_limit,
            "max_length": self.max_length,
            "rows_over_max_length": self.over_length_limit,
            "rows_without_think_format": self.without_think_format,
            "bad_rows": [asdict(bad) for bad in self.bad_rows],
        }


def _percentiles(values: list[int]) -> dict[str, int]:
    if not values:
        return {}
    return {f"p{p}": int(np.percentile(values, p, method="higher")) for p in PERCENTILES}


def _percentile_text(values: list[int]) -> str:
    found = _percentiles(values)
    return (
        " ".join(f"{k}={v}" for k, v in found.items()).replace("p100", "max")
        if found
        else "(no rows measured)"
    )


def _verl_error(path: Path, row: int, error: Exception, where: str) -> BadRow:
    return BadRow(str(path), row, where, f"{type(error).__name__}: {error}".strip()[:500])


def measure_rl(path: Path, processor: Any, rows: dict[int, Any], config_overrides: dict | None = None):
    """Prompt lengths through verl's RLHFDataset for the rows that passed our checks; row -> length, and
    bad rows (verl failures, model_input_size that disagrees with the processor's resize)."""
    from omegaconf import OmegaConf
    from verl.utils.dataset.rl_dataset import RLHFDataset
    from verl.utils.tokenizer import build_multimodal_processor_inputs

    with tempfile.TemporaryDirectory(prefix="vision-r1-check-") as cache:
        config = OmegaConf.create(
            {"filter_overlong_prompts": False, "cache_dir": cache, **(config_overrides or {})}
        )
        dataset = RLHFDataset(
            str(path), processor.tokenizer, config, processor=processor, max_samples=max(rows) + 1
        )
    lengths: dict[int, int] = {}
    bad: list[BadRow] = []
    patch = int(getattr(processor.image_processor, "patch_size", 14))
    for index, example in rows.items():
        try:
            messages = dataset._build_messages(dataset.dataframe[index], key=dataset.prompt_key)
            text = processor.apply_chat_template(
                messages, add_generation_prompt=True, tokenize=False, **dataset.apply_chat_template_kwargs
            )
            images, videos, audios = dataset._process_multi_modal_info(
                messages, dataset.image_patch_size, config
            )
            inputs = build_multimodal_processor_inputs(
                processor,
                text=[text],
                images=images,
                videos=videos,
                audio=audios,
                mm_processor_kwargs=dataset.mm_processor_kwargs,
            )
            dataset[index]  # the sample the trainer's dataloader builds
        except Exception as error:  # verl raises assertions, PIL errors, processor errors: report them all
            bad.append(_verl_error(path, index, error, "prompt"))
            continue
        lengths[index] = len(inputs["input_ids"][0])
        if example is not None and example.model_input_size and "image_grid_thw" in inputs:
            _, grid_h, grid_w = (int(v) for v in inputs["image_grid_thw"][0])
            seen = (grid_w * patch, grid_h * patch)
            if tuple(example.model_input_size) != seen:
                reason = f"row says {list(example.model_input_size)} but the processor makes the image {list(seen)}"
                bad.append(BadRow(str(path), index, "extra_info.model_input_size", reason))
    return lengths, bad


def measure_sft(
    path: Path, processor: Any, rows: list[int], max_length: int, pixels: dict[str, int] | None = None
):
    """Prompt (before the first trained token) and full lengths through verl's MultiTurnSFTDataset; a row
    that `max_length` would cut inside its image tokens is a bad row (verl keeps the image's features but
    drops some of its tokens, and the model's forward fails on the mismatch)."""
    from omegaconf import OmegaConf
    from verl.utils.dataset.multiturn_sft_dataset import MultiTurnSFTDataset

    template_kwargs = {"processor_kwargs": pixels} if pixels else {}
    config = OmegaConf.create(
        {
            "pad_mode": "no_padding",
            "max_length": 1 << 30,
            "truncation": "right",
            "apply_chat_template_kwargs": template_kwargs,
        }
    )
    dataset = MultiTurnSFTDataset(
        str(path), processor.tokenizer, config, processor=processor, max_samples=max(rows) + 1
    )
    image_token = processor.tokenizer.convert_tokens_to_ids(processor.image_token)
    lengths: dict[int, tuple[int, int]] = {}
    bad: list[BadRow] = []
    for index in rows:
        try:
            item = dataset[index]
        except Exception as error:  # same reasoning as in measure_rl
            bad.append(_verl_error(path, index, error, "messages"))
            continue
        trained = item["loss_mask"].nonzero()
        prompt = int(trained[0]) if len(trained) else len(item["input_ids"])
        lengths[index] = (prompt, len(item["input_ids"]))
        image_positions = (item["input_ids"] == image_token).nonzero()
        if len(image_positions) and int(image_positions[-1]) >= max_length:
            reason = (
                f"max_length {max_length} cuts the row inside its image tokens (they run to position "
                f"{int(image_positions[-1])}); lower max_pixels or raise max_length"
            )
            bad.append(BadRow(str(path), index, "images", reason))
    return lengths, bad


def check_file(
    path: str | Path,
    processor: Any,
    max_prompt_length: int = 4096,
    max_length: int = 16384,
    limit: int | None = None,
    pixels: dict[str, int] | None = None,
) -> CheckReport:
    """Validate every row (or the first `limit`), then measure the good ones through verl, with the
    training stage's image pixel budget (`min_pixels`/`max_pixels`) when it has one."""
    file = Path(path)
    kind = file_kind(file)
    report = CheckReport(str(file), kind, max_prompt_length=max_prompt_length, max_length=max_length)
    good: dict[int, Any] = {}
    for index, image_count, result, bad in iter_checked(file, kind, limit):
        report.rows += 1
        report.images_per_row[image_count] += 1
        if bad is not None:
            report.bad_rows.append(bad)
            continue
        good[index] = result
    if kind == "sft":
        lengths, bad = measure_sft(file, processor, list(good), max_length, pixels) if good else ({}, [])
        report.without_think_format = sum(not has_format for has_format in good.values())
        report.prompt_lengths = [prompt for prompt, _ in lengths.values()]
        report.sequence_lengths = [total for _, total in lengths.values()]
    else:
        lengths, bad = _measure_rl_or_coldstart(file, kind, processor, good, pixels) if good else ({}, [])
        report.prompt_lengths = list(lengths.values())
    report.bad_rows = sorted(report.bad_rows + bad, key=lambda b: b.row)
    return report


def _measure_rl_or_coldstart(
    file: Path, kind: str, processor: Any, good: dict[int, Any], pixels: dict[str, int] | None
):
    overrides = {"mm_processor_kwargs": pixels} if pixels else None
    if kind == "rl":
        return measure_rl(file, processor, good, overrides)
    # A cold-start row is measured as the RL prompt the question would make (no system turn).
    with tempfile.TemporaryDirectory(prefix="vision-r1-check-") as scratch:
        staged = Path(scratch) / "coldstart_as_rl.parquet"
        order = list(good)
        write_rl_parquet((good[index] for index in order), staged)
        lengths, bad = measure_rl(
            staged, processor, dict(enumerate(good[index] for index in order)), overrides
        )
    remap = dict(enumerate(order))
    return (
        {remap[i]: n for i, n in lengths.items()},
        [BadRow(str(file), remap[b.row], b.field, b.reason) for b in bad],
    )


def write_report(report: CheckReport, path: str | Path) -> None:
    Path(path).write_text(json.dumps(report.to_json(), indent=2) + "\n")
