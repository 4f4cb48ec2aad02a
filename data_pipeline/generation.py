"""Steps 1-3 for every sample, concurrently, through the journal.

A fixed number of sample workers pull samples in table order and walk each through the three steps.
Every request is looked up in the journal first: a finished one is reused (zero repeat requests),
a permanently failed one stays failed unless `retry_failed`, anything else (new, or a transient failure
of an earlier run) is sent and journaled. A sample whose request got no answer this run (retries ran
out, or its endpoint stayed down past the outage budget) is pending: not lost, sent by the next run.
The engines' limiters serve deeper steps first, so samples finish steadily rather than all at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from data_pipeline.chat import Completion, EndpointDown, RequestFailure, TransientFailure
from data_pipeline.engines import Engine
from data_pipeline.journal import Journal, request_key
from data_pipeline.progress import StepProgress
from data_pipeline.steps import Sample, Step


@dataclass(frozen=True)
class StepResult:
    key: str
    completion: Completion | None
    reason: str | None = None  # failure reason when completion is None
    pending: bool = False  # the failure was transient: the request is sent again by the next run


@dataclass(frozen=True)
class SampleOutcome:
    """Where a sample ended: `reasoning_key` when all three steps succeeded, else the step that failed
    (permanently, or `pending` when it got no answer this run)."""

    reasoning_key: str | None = None
    failed_step: str | None = None
    reason: str | None = None
    pending: bool = False


def request_seed(key: str, failures_so_far: int, run_seed: int) -> int:
    """A per-request seed from the request key: a server that honours seeds then gives the same reply to
    the same request, which is what makes an interrupted run end identical to an uninterrupted one.
    A retry of a failed request (--retry-failed) gets a new seed, so it can produce something new."""
    digest = hashlib.sha256(f"{run_seed}:{key}:{failures_so_far}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class Generator:
    def __init__(
        self,
        steps: list[Step],
        engines: dict[str, Engine],
        journal: Journal,
        progress: StepProgress,
        *,
        retry_failed: bool,
        run_seed: int,
    ):
        self.steps = steps
        self.engines = engines
        self.journal = journal
        self.progress = progress
        self.retry_failed = retry_failed
        self.run_seed = run_seed
        self.outcomes: dict[str, SampleOutcome] = {}

    async def run_step(self, step: Step, sample: Sample, previous: dict[str, str]) -> StepResult:
        request = step.build_request(sample, previous)
        engine = self.engines[step.role]
        sampling = {"seed": self.run_seed, **request.sampling.as_dict()}
        key = request_key(
            sample.id, step.name, step.template.digest, engine.model_id, sampling, request.digest()
        )
        entry = self.journal.entry(key)
        if entry is not None and entry.ok:
            self.progress.update(step.name, "reused")
            return StepResult(key, Completion.from_dict(self.journal.read(key)["output"]))
        if entry is not None and not entry.transient and not self.retry_failed:
            self.progress.update(step.name, "failed_reused")
            return StepResult(key, None, entry.reason)
        seed = request_seed(key, entry.failures if entry else 0, self.run_seed)
        started = time.time()
        try:
            completion = await engine.generate(request, seed=seed, priority=-step.index)
            step.check(completion)
        except EndpointDown as down:  # nothing answered, nothing to journal
            self.progress.update(step.name, "not_sent")
            return StepResult(key, None, down.reason, pending=True)
        except RequestFailure as failure:
            record = {"ok": False, "reason": failure.reason, "detail": failure.detail}
            if isinstance(failure, TransientFailure):
                record["transient"] = True
            completion = None
        else:
            record = {"ok": True, "output": completion.as_dict()}
        record.update(
            sample_id=sample.id,
            step=step.name,
            model=engine.model_id,
            template=step.template.name,
            seed=seed,
            seconds=round(time.time() - started, 3),
        )
        await self.journal.append(key, record)
        pending = bool(record.get("transient"))
        outcome = "new" if completion is not None else "pending" if pending else "failed"
        self.progress.update(step.name, outcome)
        return StepResult(key, completion, record.get("reason"), pending)

    async def run_sample(self, sample: Sample) -> SampleOutcome:
        previous: dict[str, str] = {}
        result = None
        for step in self.steps:
            result = await self.run_step(step, sample, previous)
            if result.completion is None:
                return SampleOutcome(failed_step=step.name, reason=result.reason, pending=result.pending)
            previous[step.name] = step.carried(result.completion)
        assert result is not None
        return SampleOutcome(reasoning_key=result.key)

    async def run(self, samples: Iterator[Sample], workers: int) -> dict[str, SampleOutcome]:
        """Process every sample; a fatal error (bad key, unknown model) cancels the rest and propagates."""

        async def worker() -> None:
            for sample in samples:  # the shared iterator hands each sample to exactly one worker
                self.outcomes[sample.id] = await self.run_sample(sample)

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(worker())
        except BaseExceptionGroup as group:
            raise group.exceptions[0] from None  # the first real error; the rest are cancellations
        finally:
            await self.journal.drain()
        return self.outcomes
