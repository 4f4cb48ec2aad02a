"""One stage as the checks see it: the recipe's stage, where it runs, its model's shape, its verl numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vision_r1.preflight.environment import Environment
from vision_r1.preflight.settings import GrpoSettings, SftSettings
from vision_r1.preflight.shapes import ModelShape
from vision_r1.recipe.schema import Recipe, Resources, StageBase


@dataclass(frozen=True)
class StageView:
    recipe: Recipe
    stage: StageBase
    resources: Resources
    stage_dir: Path
    shape: ModelShape | None
    settings: GrpoSettings | SftSettings | None  # None for stages that launch no verl trainer
    environment: Environment

    @property
    def model(self) -> str | None:
        """The model the stage trains or evaluates (None for data stages)."""
        return getattr(self.stage, "model", None)

    @property
    def on_gpu(self) -> bool:
        return self.resources.device == "gpu"

    @property
    def gpus(self) -> int:
        return self.resources.nnodes * self.resources.gpus_per_node

    @property
    def gpu_memory_bytes(self) -> float:
        return self.resources.gpu_memory_gb * GIB


GIB = 1 << 30


def gib(value: float) -> str:
    return f"{value / GIB:.1f} GiB"
