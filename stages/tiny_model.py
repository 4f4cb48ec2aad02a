"""Build the tiny random-weight Qwen2.5-VL as the base model of a CPU recipe (no download needed)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from stages.base import StageContext
from stages.subprocess_stage import PublishedCliStageKind, partial_path
from stages.verl_launch import verify_hf_dir


class TinyModelKind(PublishedCliStageKind):
    folder = "model"
    OUTPUTS: ClassVar[dict[str, str]] = {"model": "model"}

    def arguments(self, ctx: StageContext) -> list[str]:
        return ["tiny-model", str(partial_path(ctx.stage_dir / self.folder)), "--seed", str(ctx.stage.seed)]

    def verify(self, partial: Path) -> None:
        verify_hf_dir(partial)

    def summary(self, ctx: StageContext) -> str:
        return f"tiny random-weight Qwen2.5-VL, seed {ctx.stage.seed}"
