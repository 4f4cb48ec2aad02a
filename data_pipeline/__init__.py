"""Modality-bridging cold-start data generation: engines, the four steps, journal, filters, stats.

Entry point: `run_cold_start(config, ...) -> ColdStartOutputs` (see `data_pipeline.runner`).
Imported lazily so that `import data_pipeline` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from data_pipeline.runner import ColdStartOutputs, run_cold_start

__all__ = ["ColdStartOutputs", "run_cold_start"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from data_pipeline import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'data_pipeline' has no attribute {name!r}")
