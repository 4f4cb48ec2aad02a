"""Stages that run one `vision-r1` sub-command in a child process (logged, interruptible like verl stages)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from stages.base import Command, StageContext

PARTIAL_SUFFIX = ".partial"


def vision_r1_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "vision_r1.cli", *args]


def run_commands(ctx: StageContext, commands: list[Command]) -> None:
    for command in commands:
        ctx.run_command(command)


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
