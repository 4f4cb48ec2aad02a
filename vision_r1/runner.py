"""Run a recipe's stages in order, skipping finished ones, resuming interrupted ones.

Rules (see README "Resuming"):
- every stage is planned and validated (verl configs included) before the first one starts;
- a finished stage whose fingerprint matches is skipped; one whose config or inputs changed is
  reported and needs `--from STAGE`;
- `--from STAGE` re-runs that stage and everything after it, `--only STAGE` re-runs one stage,
  `--until STAGE` stops after it; a re-run stage's previous folder is kept as `<stage>.previous`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from stages.base import StageContext, StageError, StagePlan
from stages.registry import kind_of
from vision_r1.fingerprint import stage_fingerprint
from vision_r1.orphans import stop_marked
from vision_r1.preflight import Environment, PreflightReport, run_preflight
from vision_r1.process import CommandFailed
from vision_r1.recipe.schema import Recipe, StageBase
from vision_r1.run_state import RunState
from vision_r1.verl_config import PPO_CONFIG, SFT_CONFIG, VerlConfigError, top_level_keys

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


class RunError(RuntimeError):
    """The run cannot go on; the message says which stage and what to do."""


@dataclass
class Selection:
    from_stage: str | None = None
    only: str | None = None
    until: str | None = None

    def pick(self, recipe: Recipe) -> tuple[list[StageBase], set[str]]:
        """The stages to consider, in order, and the subset that must re-run even if finished."""
        names = [stage.name for stage in recipe.stages]
        for option, value in (("--from", self.from_stage), ("--only", self.only), ("--until", self.until)):
            if value is not None and value not in names:
                raise RunError(f"{option} {value}: no such stage (stages: {', '.join(names)})")
        if self.only is not None:
            if self.from_stage or self.until:
                raise RunError("--only cannot be combined with --from or --until")
            stage = recipe.stage(self.only)
            return [stage], {stage.name}
        start = names.index(self.from_stage) if self.from_stage else 0
        stop = names.index(self.until) + 1 if self.until else len(names)
        if start >= stop:
            raise RunError(f"--from {self.from_stage} comes after --until {self.until}")
        chosen = recipe.stages[start:stop]
        forced = {stage.name for stage in chosen} if self.from_stage else set()
        return chosen, forced


@dataclass
class Runner:
    recipe: Recipe
    verl_args: list[str] = field(default_factory=list)
    console: Console = field(default_factory=Console)
    echo: bool = True

    @property
    def run_dir(self) -> Path:
        return Path(self.recipe.run_dir or f"runs/{self.recipe.name}")

    def context(self, stage: StageBase) -> StageContext:
        return StageContext(
            recipe=self.recipe,
            stage=stage,
            stage_dir=self.run_dir / stage.name,
            resources=self.recipe.resources_for(stage),
            verl_args=self.verl_args,
            echo=self.echo,
            # absolute: the marker must tell this run's processes from another checkout's same-named run
            marker=str((self.run_dir / stage.name).resolve()),
        )

    def plan_all(self, stages: list[StageBase]) -> dict[str, StagePlan]:
        """Plan every stage up front: a bad verl key in the last stage fails before the first runs."""
        self._check_verl_args_route()
        plans = {}
        for stage in stages:
            try:
                plans[stage.name] = kind_of(stage.kind).plan(self.context(stage))
            except VerlConfigError as exc:
                raise RunError(f"stage {stage.name!r}: {exc}") from None
        return plans

    def _check_verl_args_route(self) -> None:
        if not self.verl_args:
            return
        sections = top_level_keys(PPO_CONFIG) | top_level_keys(SFT_CONFIG)
        stray = [
            a for a in self.verl_args if a.lstrip("+~").split("=", 1)[0].split(".", 1)[0] not in sections
        ]
        if stray:
            raise RunError(f"verl override(s) {stray} match no section of verl's PPO or SFT config")

    def preflight(self, selection: Selection, environment: Environment | None = None) -> PreflightReport:
        """Every check a GPU run would otherwise fail on first, for the selected stages; launches nothing."""
        stages, _ = selection.pick(self.recipe)
        return run_preflight(self.recipe, stages, self.plan_all(stages), self.run_dir, environment)

    def dry_run(self, selection: Selection, environment: Environment | None = None) -> dict[str, StagePlan]:
        """Print each stage's commands and config, then the preflight; raise RunError when it finds errors."""
        stages, _ = selection.pick(self.recipe)
        plans = self.plan_all(stages)
        for stage in stages:
            plan = plans[stage.name]
            self.console.rule(f"[bold]{stage.name}[/] ({stage.kind})")
            for command in plan.commands:
                self.console.print(command.render(), soft_wrap=True, markup=False, highlight=False)
            self.console.print_json(data=plan.config)
        report = run_preflight(self.recipe, stages, plans, self.run_dir, environment)
        self.console.rule("[bold]preflight[/]")
        for line in report.lines():
            self.console.print(line, soft_wrap=True, markup=False, highlight=False)
        if report.errors:
            raise RunError(f"preflight found {len(report.errors)} error(s); each says what to change (above)")
        return plans

    def run(self, selection: Selection) -> RunState:
        stages, forced = selection.pick(self.recipe)
        plans = self.plan_all(stages)
        kinds = {stage.name: stage.kind for stage in self.recipe.stages}
        state = RunState.open(self.run_dir, self.recipe.model_dump(mode="json"), kinds)
        # Reset every forced stage before the first runs: if this run is interrupted, the stages it
        # has not reached yet stay pending instead of looking finished with stale inputs.
        for stage in stages:
            if stage.name in forced:
                self._stop_leftovers(state, stage)
                self._set_aside(state, stage)
        for stage in stages:
            self._run_stage(state, stage, plans[stage.name])
        self.console.print(f"[green]run {self.recipe.name} finished[/]: {self.run_dir}")
        return state

    def _upstream_fingerprints(self, state: RunState) -> dict[str, str]:
        marks = {}
        for record in state.stages.values():
            if record.fingerprint:
                for path in record.outputs.values():
                    marks[path] = record.fingerprint
        # Outputs of stages that have not run yet are known too (declared), so map those as well.
        for stage in self.recipe.stages:
            record = state.stages[stage.name]
            for path in kind_of(stage.kind).OUTPUTS.values():
                marks.setdefault(str(self.run_dir / stage.name / path), record.fingerprint or "pending")
        return marks

    def _run_stage(self, state: RunState, stage: StageBase, plan: StagePlan) -> None:
        kind = kind_of(stage.kind)
        record = state.stages[stage.name]
        inputs = kind.inputs(stage)
        fingerprint = stage_fingerprint(plan.config, inputs, self._upstream_fingerprints(state))
        if record.status == "done":
            if record.fingerprint == fingerprint:
                self.console.print(f"[dim]skip {stage.name}: done[/]")
                return
            raise RunError(
                f"stage {stage.name!r} finished earlier with a different config or inputs; "
                f"re-run it and what follows with --from {stage.name}"
            )
        self._stop_leftovers(state, stage)
        self._check_inputs(stage, inputs)
        ctx = self.context(stage)
        ctx.on_start = lambda pgid: state.launched(stage.name, pgid)
        ctx.stage_dir.mkdir(parents=True, exist_ok=True)
        state.start(stage.name, fingerprint, plan.config)
        self.console.rule(
            f"[bold]{stage.name}[/] ({stage.kind}), attempt {state.stages[stage.name].attempts}"
        )
        try:
            outputs = kind.run(ctx, plan, attempt=state.stages[stage.name].attempts)
        except KeyboardInterrupt:
            state.fail(stage.name, "interrupted", "interrupted by the user or a signal")
            raise
        except (CommandFailed, StageError) as exc:
            state.fail(stage.name, "failed", str(exc))
            raise RunError(f"stage {stage.name!r} failed: {exc}") from None
        state.finish(stage.name, outputs)

    def _stop_leftovers(self, state: RunState, stage: StageBase) -> None:
        """A stage still marked running means its runner died hard: stop what its launch left behind
        (normally the runner's orphan watcher has already done so)."""
        record = state.stages[stage.name]
        if record.status == "running" and record.pgid:
            stopped = stop_marked(self.context(stage).marker, grace_s=0.0)
            if stopped:
                self.console.print(f"[yellow]stopped {stopped} leftover process(es) of {stage.name}[/]")

    def _set_aside(self, state: RunState, stage: StageBase) -> None:
        """A forced re-run starts clean; the previous attempt's folder is kept once as `.previous`."""
        stage_dir = self.run_dir / stage.name
        if stage_dir.exists():
            previous = stage_dir.with_name(stage.name + ".previous")
            if previous.exists():
                shutil.rmtree(previous)
            stage_dir.rename(previous)
        state.reset(stage.name)

    def _check_inputs(self, stage: StageBase, inputs: dict[str, str]) -> None:
        for key, value in inputs.items():
            if Path(value).exists():
                continue
            if key == "model" and _HUB_ID.match(value):
                continue  # a hub model id: verl/transformers fetch it on the training machine
            raise RunError(f"stage {stage.name!r}: input {key} does not exist: {value}")
