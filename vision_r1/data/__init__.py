"""Dataset formats (RL parquet, SFT parquet, cold-start input table), converters, synthetic data, checks.

What other parts of vision-r1 call:
- `write_rl_parquet(examples, path, template)`, `rl_row`, `RL_SCHEMA`: the GRPO/eval set.
- `write_sft_parquet(rows, path)` with rows from `single_turn_sft_row` / `sft_row`: the SFT set.
- `write_coldstart_input`, `iter_coldstart_input`: the cold-start pipeline's input table.
- `write_synth_dataset(out_dir, n, seed)`: rl_train.parquet, rl_val.parquet, coldstart_input.parquet.

Names resolve lazily (PEP 562) so that `vision-r1 --help`, which imports the `data` CLI group,
does not pay for pyarrow and PIL.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "vision_r1.data.coldstart_input": (
        "COLDSTART_INPUT_SCHEMA",
        "coldstart_input_row",
        "iter_coldstart_input",
        "write_coldstart_input",
    ),
    "vision_r1.data.example": ("REWARD_KINDS", "Example", "RowError", "validate_example"),
    "vision_r1.data.images": ("encode_png", "image_record"),
    "vision_r1.data.parquet_io": ("StreamingParquetWriter", "iter_rows"),
    "vision_r1.data.prompts": ("TEMPLATES", "PromptTemplate", "load_template"),
    "vision_r1.data.rl_format": ("RL_SCHEMA", "example_from_rl_row", "rl_row", "write_rl_parquet"),
    "vision_r1.data.sft_format": (
        "SFT_SCHEMA",
        "assistant_content",
        "has_think_answer_format",
        "sft_row",
        "single_turn_sft_row",
        "write_sft_parquet",
    ),
    "vision_r1.data.synth": ("write_synth_dataset",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'vision_r1.data' has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULE_OF[name]), name)


def __dir__() -> list[str]:
    return __all__
