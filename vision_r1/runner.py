"""Run a recipe's stages in order, skipping finished ones, resuming interrupted ones.

Rules (see README "Resuming"):
- every stage is planned and validated (verl configs included) before the first one starts;
- a finished stage whose fingerprint matches is skipped; one whose config or inputs changed is
  reported and needs `--from STAGE`;
- `--from STAGE` re-runs that stage and everything after it, `--only STAGE` re-runs one stage,
  `--until STAGE` stops after it; a re-run stage's previous folder is kept as `<stage>.previous`.

The terminal shows a header, a live progress line and a result per stage (`vision_r1.terminal`);
what the stages' processes print goes to their `log.txt` (also to the terminal with `echo`). On cpu,
the GRPO stages of a run share one Ray cluster the runner starts and stops (`vision_r1.ray_cluster`).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from stages.base import StageContext, StageError, StagePlan
from stages.registry import kind_of
from vision_r1.fingerprint import stage_fingerprint
from vision_r1.orphans import stop_marked
from vision_r1.output_capture import output_to, terminal_stream
from vision_r1.preflight import Environment, PreflightReport, run_preflight
from vision_r1.process import CommandFailed
from vision_r1.ray_cluster import RayClusterError, RayNode, ray_node
from vision_r1.recipe.schema import Recipe, StageBase
from vision_r1.run_state import RunState
from vision_r1.terminal import RunTerminal, format_seconds
from vision_r1.verl_config import PPO_CONFIG, SFT_CONFIG, VerlConfigError, top_level_keys

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
RAY_CLUSTER_LOG = "ray_cluster.log"


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
    console: Console = field(default_factory=lambda: Console(file=terminal_stream()))
    echo: bool = False  # stream the stages' own output to the terminal (`--verbose`)
    preflight_before_run: bool = True

    def __post_init__(self) -> None:
        self.terminal = RunTerminal(self.console, verbose=self.echo)
        self.ray_cluster: RayNode | None = None

    @property
    def run_dir(self) -> Path:
        return Path(self.recipe.run_dir or f"runs/{self.recipe.name}")

    @property
    def ray_cluster_marker(self) -> str:
        return f"{self.run_dir.resolve()}#ray"

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
            ray_cluster=self.ray_cluster,
        )

    def plan_all(self, stages: list[StageBase]) -> dict[str, StagePlan]:
        """Plan every stage up front: a bad verl key in the last stage fails before the first runs."""
        self._check_verl_args_route()
        plans = {}
        for stage in stages:
            with tempfile.TemporaryDirectory() as scratch:
                printed = Path(scratch) / "plan.txt"
                try:
                    with self._own_output(printed):
                        plan = kind_of(stage.kind).plan(self.context(stage))
                except VerlConfigError as exc:
                    raise RunError(f"stage {stage.name!r}: {exc}") from None
                plan.notes = printed.read_text(errors="replace") if printed.exists() else ""
            plans[stage.name] = plan
        return plans

    def _own_output(self, path: Path) -> contextlib.AbstractContextManager[None]:
        """What this process prints goes to `path`, unless the stages' output streams (`echo`)."""
        return contextlib.nullcontext() if self.echo else output_to(path)

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
        started = time.monotonic()
        stages, forced = selection.pick(self.recipe)
        plans = self.plan_all(stages)
        if self.preflight_before_run:
            self._preflight_gate(stages, plans)
        kinds = {stage.name: stage.kind for stage in self.recipe.stages}
        state = RunState.open(self.run_dir, self.recipe.model_dump(mode="json"), kinds)
        # Reset every forced stage before the first runs: if this run is interrupted, the stages it
        # has not reached yet stay pending instead of looking finished with stale inputs.
        for stage in stages:
            if stage.name in forced:
                self._stop_leftovers(state, stage)
                self._set_aside(state, stage)
        with self._shared_ray_cluster(state, stages):
            for stage in stages:
                self._run_stage(state, stage, plans[stage.name])
        self.console.print(
            f"[green]run {self.recipe.name} finished[/] in {format_seconds(time.monotonic() - started)}: "
            f"{self.run_dir}",
            highlight=False,
            soft_wrap=True,
        )
        return state

    def _preflight_gate(self, stages: list[StageBase], plans: dict[str, StagePlan]) -> None:
        """A run starts only if the preflight finds no error: a GPU job must not spend its first hour
        on what seconds of checking here would have said. Warnings are printed and the run goes on."""
        report = run_preflight(self.recipe, stages, plans, self.run_dir)
        for finding in [*report.errors, *report.warnings]:
            self.console.print(f"preflight {finding.line()}", soft_wrap=True, markup=False, highlight=False)
        if report.errors:
            raise RunError(
                f"preflight found {len(report.errors)} error(s), each with what to change (above); nothing was "
                "started. `--dry-run` shows every check; `--no-preflight` runs anyway"
            )

    @contextlib.contextmanager
    def _shared_ray_cluster(self, state: RunState, stages: list[StageBase]) -> Iterator[None]:
        """Start the run's Ray cluster in the background when a stage still to run joins it; stop it at
        the end of the run, however the run ends."""
        stop_marked(self.ray_cluster_marker, grace_s=0.0)  # left by a runner killed before its watcher ran
        ranks = [
            kind_of(stage.kind).run_cluster_size(self.context(stage))
            for stage in stages
            if state.stages[stage.name].status != "done"
        ]
        ranks = [n for n in ranks if n is not None]
        if not ranks:
            yield
            return
        from vision_r1.verl_cpu.launch import local_cluster_resources

        num_cpus, resources = local_cluster_resources(max(ranks))
        log_path = self.run_dir / RAY_CLUSTER_LOG
        with ray_node(num_cpus, resources, log_path, self.ray_cluster_marker) as cluster:
            self.ray_cluster = cluster
            try:
                yield
            finally:
                self.ray_cluster = None

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
                self.terminal.skipped(stage.name)
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
        attempt = state.stages[stage.name].attempts
        position = state.order.index(stage.name) + 1
        self.terminal.header(stage.name, stage.kind, position, len(state.order), attempt)
        if plan.notes:
            with ctx.log_path.open("a", encoding="utf-8") as log:
                log.write(f"\n=== planning printed:\n{plan.notes}")
        started = time.monotonic()
        try:
            with self.terminal.live(lambda: kind.progress(ctx)), self._own_output(ctx.log_path):
                outputs = kind.run(ctx, plan, attempt=attempt)
        except KeyboardInterrupt:
            state.fail(stage.name, "interrupted", "interrupted by the user or a signal")
            raise
        except (CommandFailed, StageError, RayClusterError) as exc:
            state.fail(stage.name, "failed", str(exc))
            self.terminal.failure(stage.name, time.monotonic() - started, ctx.log_path)
            # a command's log tail was just shown; the runner's own errors explain themselves in full
            reason = exc.headline if isinstance(exc, CommandFailed) else str(exc)
            raise RunError(f"stage {stage.name!r} failed: {reason}") from None
        state.finish(stage.name, outputs)
        main_output = next(iter(outputs.values()), None)
        self.terminal.result(stage.name, time.monotonic() - started, kind.summary(ctx), main_output)

    def _stop_leftovers(self, state: RunState, stage: StageBase) -> None:
        """A stage still marked running means its runner died hard: stop what its launch left behind
        (normally the runner's orphan watcher has already done so)."""
        record = state.stages[stage.name]
        if record.status == "running" and record.pgid:
            stopped = stop_marked(self.context(stage).marker, grace_s=0.0)
            if stopped:
                self.terminal.note(f"stopped {stopped} leftover process(es) of {stage.name}")

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
