"""What every stage kind provides to the runner: declared outputs, inputs, a plan, and how to run it.

A stage never reaches into another stage's internals: it reads earlier stages' declared outputs
(already resolved into its config by the recipe loader) and writes only inside its own folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vision_r1.process import run_logged
from vision_r1.recipe.schema import Recipe, Resources, StageBase

if TYPE_CHECKING:
    from stages.progress import Progress
    from vision_r1.ray_cluster import RayNode


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
    # The run's own Ray cluster, which GRPO stages join (None: each launch has its own, or the
    # recipe's resources.ray_address).
    ray_cluster: RayNode | None = None

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

    def run_command(
        self, command: Command, extra_env: dict[str, str] | None = None, extra_args: list[str] | None = None
    ) -> None:
        """Run one of the stage's processes: logged to log.txt, tagged and tracked for clean-up.

        `extra_env` / `extra_args` are launch details that are not part of the plan (and so not of
        the stage's fingerprint), such as where its metrics go or which Ray cluster it joins."""
        run_logged(
            [*command.argv, *(extra_args or [])],
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
    notes: str = ""  # what planning printed (verl's config validation), written to the stage's log


class StageKind(Protocol):
    OUTPUTS: dict[str, str]

    def inputs(self, stage: Any) -> dict[str, str]:
        """Paths the stage reads (checked for existence, fingerprinted)."""

    def plan(self, ctx: StageContext) -> StagePlan:
        """Build and validate the stage's commands without running anything."""

    def run(self, ctx: StageContext, plan: StagePlan, attempt: int) -> dict[str, str]:
        """Do the work; return the outputs (paths) once they are complete and verified."""

    def progress(self, ctx: StageContext) -> Progress | None:
        """Where the running stage stands, from the files it writes (None: nothing to count)."""

    def summary(self, ctx: StageContext) -> str:
        """The finished stage's result in a few words (its outputs are shown beside it)."""

    def run_cluster_size(self, ctx: StageContext) -> int | None:
        """Trainer ranks the stage needs from the run's own Ray cluster; None: it does not join it."""


def outputs_in(stage_dir: Path, relative: dict[str, str]) -> dict[str, str]:
    return {key: str(stage_dir / path) for key, path in relative.items()}
