"""The `transformers` engine: callers await single requests; the engine runs them in batches.

Concurrent sample workers submit requests one by one; a single batcher task gathers whatever is
queued (up to `batch_size`, same sampling parameters) and runs one `generate` call in a worker thread
while the event loop keeps collecting the next batch.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from data_pipeline.chat import ChatRequest, Completion
from data_pipeline.engines.local_model import LocalGenerator


@dataclass
class _Pending:
    request: ChatRequest
    seed: int
    priority: int
    future: asyncio.Future[Completion]


class TransformersEngine:
    def __init__(self, model_dir: str, model_id: str, batch_size: int, device: str, dtype: str):
        self.model_id = model_id
        self.batch_size = batch_size
        self.retries = 0
        self.batches = 0
        self._model_dir = model_dir
        self._device = device
        self._dtype = dtype
        self._generator: LocalGenerator | None = None
        self._queue: list[_Pending] = []
        self._wakeup: asyncio.Event | None = None
        self._batcher: asyncio.Task[None] | None = None

    async def generate(self, request: ChatRequest, *, seed: int | None, priority: int = 0) -> Completion:
        if self._batcher is None:
            self._wakeup = asyncio.Event()
            self._batcher = asyncio.create_task(self._run_batches())
        future: asyncio.Future[Completion] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(request, seed or 0, priority, future))
        assert self._wakeup is not None
        self._wakeup.set()
        return await future

    def _next_batch(self) -> list[_Pending]:
        """Deepest step first (as the HTTP limiter does), then arrival order; one sampling setup."""
        self._queue.sort(key=lambda pending: pending.priority)
        sampling = self._queue[0].request.sampling
        batch = [p for p in self._queue if p.request.sampling == sampling][: self.batch_size]
        chosen = {id(p) for p in batch}
        self._queue = [p for p in self._queue if id(p) not in chosen]
        return batch

    async def _run_batches(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            # Let every worker that is ready this tick enqueue before the batch is cut.
            await asyncio.sleep(0)
            while self._queue:
                batch = self._next_batch()
                self.batches += 1
                try:
                    if self._generator is None:
                        self._generator = await asyncio.to_thread(
                            LocalGenerator, self._model_dir, self._device, self._dtype
                        )
                    results = await asyncio.to_thread(
                        self._generator.generate,
                        [p.request for p in batch],
                        batch[0].request.sampling,
                        batch[0].seed,
                    )
                except Exception as error:
                    # EngineFailure becomes a per-sample failure; anything else ends the run in the caller.
                    for pending in batch:
                        if not pending.future.done():
                            pending.future.set_exception(error)
                    continue
                for pending, result in zip(batch, results, strict=True):
                    if not pending.future.done():
                        pending.future.set_result(result)

    async def aclose(self) -> None:
        if self._batcher is not None:
            self._batcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._batcher
            self._batcher = None
