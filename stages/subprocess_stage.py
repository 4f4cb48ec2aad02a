"""Stages that run one `vision-r1` sub-command in a child process (logged, interruptible like verl stages)."""

from __future__ import annotations

import shutil
import sys
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from stages.base import Command, StageContext, StagePlan, outputs_in

if TYPE_CHECKING:
    from stages.progress import Progress

PARTIAL_SUFFIX = ".partial"


def vision_r1_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "vision_r1.cli", *args]


def partial_path(target: Path) -> Path:
    """Where `target` is written until it is complete; then `publish` renames it into place."""
    return target.with_name(target.name + PARTIAL_SUFFIX)


def fresh_partial(target: Path) -> Path:
    """A clean partial folder: leftovers of an interrupted attempt are removed, never reused."""
    partial = partial_path(target)
    if partial.exists():
        shutil.rmtree(partial)
    return partial


def publish(partial: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)


class CliStageKind(ABC):
    """A stage kind that is one `vision-r1 ...` command whose outputs are the files it writes."""

    OUTPUTS: ClassVar[dict[str, str]]

    def inputs(self, stage: Any) -> dict[str, str]:
        return {}

    @abstractmethod
    def arguments(self, ctx: StageContext) -> list[str]:
        """The sub-command and its arguments, e.g. ["data", "synth", OUT, "--n", "32"]."""

    def plan(self, ctx: StageContext) -> StagePlan:
        command = Command(vision_r1_command(*self.arguments(ctx)))
        return StagePlan(commands=[command], config={"stage": ctx.stage.model_dump()})

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int) -> dict[str, str]:
        for command in plan.commands:
            ctx.run_command(command)
        return outputs_in(ctx.stage_dir, self.OUTPUTS)

    def progress(self, ctx: StageContext) -> Progress | None:
        return None

    def summary(self, ctx: StageContext) -> str:
        return "done"

    def run_cluster_size(self, ctx: StageContext) -> int | None:
        return None


class PublishedCliStageKind(CliStageKind):
    """A command that writes one folder: it writes `<folder>.partial`, renamed into place when it succeeds,
    so an interrupted attempt is redone from scratch and never mistaken for a finished one."""

    folder: ClassVar[str]

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int) -> dict[str, str]:
        target = ctx.stage_dir / self.folder
        partial = fresh_partial(target)
        outputs = super().run(ctx, plan, attempt)
        self.verify(partial)
        publish(partial, target)
        return outputs

    def verify(self, partial: Path) -> None:
        """Checks on the written folder before it is published (none by default)."""
