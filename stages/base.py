"""What every stage kind provides to the runner: declared outputs, inputs, a plan, and how to run it.

A stage never reaches into another stage's internals: it reads earlier stages' declared outputs
(already resolved into its config by the recipe loader) and writes only inside its own folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vision_r1.process import run_logged
from vision_r1.recipe.schema import Recipe, Resources, StageBase


class StageError(RuntimeError):
    """A stage cannot start or did not finish; the message tells the user what to do."""


@dataclass
class Command:
    """One process to run: argv plus extra environment variables."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        prefix = " ".join(f"{key}={value}" for key, value in sorted(self.env.items()))
        return f"{prefix} {' '.join(self.argv)}".strip()


@dataclass
class StageContext:
    recipe: Recipe
    stage: StageBase
    stage_dir: Path
    resources: Resources
    verl_args: list[str] = field(default_factory=list)
    echo: bool = True
    marker: str = ""
    on_start: Callable[[int], None] | None = None

    @property
    def log_path(self) -> Path:
        return self.stage_dir / "log.txt"

    def note(self, line: str) -> None:
        """A line for the stage's log (and the console when echoing), e.g. what the data check counted."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            log.write(line + "\n")
        if self.echo:
            print(line, flush=True)

    def run_command(self, command: Command, extra_env: dict[str, str] | None = None) -> None:
        """Run one of the stage's processes: logged to log.txt, tagged and tracked for clean-up."""
        run_logged(
            command.argv,
            self.log_path,
            env={**command.env, **(extra_env or {})},
            echo=self.echo,
            marker=self.marker,
            on_start=self.on_start,
            stall_timeout_s=self.resources.stall_timeout_s,
        )


@dataclass
class StagePlan:
    """Everything `--dry-run` shows and the fingerprint covers: commands and the resolved config."""

    commands: list[Command]
    config: dict[str, Any]


class StageKind(Protocol):
    OUTPUTS: dict[str, str]

    def inputs(self, stage: Any) -> dict[str, str]:
        """Paths the stage reads (checked for existence, fingerprinted)."""

    def plan(self, ctx: StageContext) -> StagePlan:
        """Build and validate the stage's commands without running anything."""

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int) -> dict[str, str]:
        """Do the work; return the outputs (paths) once they are complete and verified."""


def outputs_in(stage_dir: Path, relative: dict[str, str]) -> dict[str, str]:
    return {key: str(stage_dir / path) for key, path in relative.items()}
