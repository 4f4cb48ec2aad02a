"""A small OpenAI-compatible chat-completions server on 127.0.0.1, for tests, benchmarks and dry runs.

It speaks the real protocol (JSON over HTTP, content parts with base64 image data URLs, `seed`,
`reasoning_content`) and is backed either by a local model (the tiny Qwen2.5-VL, through the same
`LocalGenerator` the transformers engine uses) or by a scripted responder with a fixed latency.
`capacity` bounds how many requests are answered at once (the rest queue), as a real server's batch
does. Faults can be queued to hit the next requests: 429 with Retry-After, 500, a hang past the
client's timeout, a body cut off mid-transfer, an invalid JSON body, a content-filter refusal. Outages
can be scheduled: the engine dies (every chat request gets HTTP 500, as vLLM answers once its engine
has died) or the server stops (connections refused, as while a killed server restarts), for a while.

    python -m data_pipeline.local_server --model-dir DIR [--port 8000] [--capacity 4]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiohttp import web

from data_pipeline.chat import ChatRequest, Completion, Sampling
from data_pipeline.protocol import ProtocolError, completion_payload, request_from_payload
from data_pipeline.reasoning_output import THINK_CLOSE, THINK_OPEN

FAULT_KINDS = ("429", "500", "timeout", "truncated", "invalid_json", "refuse")
OUTAGE_KINDS = ("engine_dead", "stopped")
# How long a stopping server lets requests in flight finish: a killed server lets none.
_SHUTDOWN_TIMEOUT_S = 0.05


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: float | None = None  # for 429: the Retry-After header value, seconds
    hold_s: float = 5.0  # for timeout: how long the request hangs before the server gives up

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {FAULT_KINDS}")


@dataclass(frozen=True)
class ServerOutage:
    """Down from the arrival of request number `after_requests` (which fails too) for `seconds`.

    `engine_dead`: every chat request, including those being answered, gets HTTP 500 while `/v1/models`
    still answers; `stopped`: the server stops listening and drops every connection, then listens again
    on the same port."""

    after_requests: int
    seconds: float
    kind: str = "engine_dead"

    def __post_init__(self) -> None:
        if self.kind not in OUTAGE_KINDS:
            raise ValueError(f"unknown outage {self.kind!r}; known: {OUTAGE_KINDS}")


@dataclass(frozen=True)
class Received:
    """What the server saw of one request (for tests: counts, seeds, images, authorization)."""

    model: str
    seed: int | None
    image_count: int
    text: str
    authorized: bool
    fault: str | None


class Backend(Protocol):
    async def complete(self, request: ChatRequest, model: str, seed: int | None) -> Completion: ...


def split_think_tags(completion: Completion) -> Completion:
    """What a vLLM reasoning parser does: move `<think>...</think>` into `reasoning_content`."""
    if THINK_CLOSE not in completion.content:
        return completion
    thinking, content = completion.content.split(THINK_CLOSE, 1)
    return Completion(
        content=content.strip(),
        reasoning_content=thinking.replace(THINK_OPEN, "").strip(),
        finish_reason=completion.finish_reason,
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
    )


class ModelBackend:
    """Generation with a local HF model, one request at a time, seeded by the request's `seed`: the
    same request always gets the same reply (what resume-identity tests rely on)."""

    def __init__(self, model_dir: str | Path, max_tokens_cap: int = 64):
        from data_pipeline.engines.local_model import LocalGenerator

        self.generator = LocalGenerator(model_dir)
        self.max_tokens_cap = max_tokens_cap
        self._lock = asyncio.Lock()

    async def complete(self, request: ChatRequest, model: str, seed: int | None) -> Completion:
        sampling = request.sampling
        capped = Sampling(sampling.temperature, sampling.top_p, min(sampling.max_tokens, self.max_tokens_cap))
        async with self._lock:
            replies = await asyncio.to_thread(self.generator.generate, [request], capped, seed or 0)
        return replies[0]


Responder = Callable[[ChatRequest, str, int | None], Completion]


class ScriptedBackend:
    """Replies from a Python function after a fixed latency (the benchmark's model of a server)."""

    def __init__(self, responder: Responder, latency_s: float = 0.0):
        self.responder = responder
        self.latency_s = latency_s

    async def complete(self, request: ChatRequest, model: str, seed: int | None) -> Completion:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        return self.responder(request, model, seed)


class ChatServer:
    def __init__(
        self,
        backend: Backend,
        *,
        capacity: int | None = None,
        api_key: str | None = None,
        reasoning_parser: bool = False,
        port: int = 0,
    ):
        self.backend = backend
        self.capacity = capacity
        self.api_key = api_key
        self.reasoning_parser = reasoning_parser
        self.port = port
        self.faults: collections.deque[Fault] = collections.deque()
        self.received: list[Received] = []
        self.answered: list[Received] = []  # the requests that got a completion, in reply order
        self._outages: collections.deque[ServerOutage] = collections.deque()
        self._engine_dead = False
        self._deaths = 0
        self._restart: asyncio.Task[None] | None = None
        self._ids = itertools.count()
        self._slots: asyncio.Semaphore | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def down(self) -> bool:
        """In a scheduled outage (or not started)."""
        return self._engine_dead or self._runner is None

    def inject(self, *faults: Fault) -> None:
        """Queue faults for the next requests, in arrival order (thread-safe)."""
        self.faults.extend(faults)

    def schedule(self, *outages: ServerOutage) -> None:
        """Schedule outages, in order of their `after_requests` (call before the requests arrive)."""
        self._outages.extend(sorted(outages, key=lambda outage: outage.after_requests))

    def _begin_due_outage(self, http_request: web.Request) -> str | None:
        """Start the next scheduled outage if this request is the one it waits for; returns its kind."""
        if not self._outages or len(self.received) < self._outages[0].after_requests:
            return None
        outage = self._outages.popleft()
        loop = asyncio.get_running_loop()
        if outage.kind == "engine_dead":
            self._engine_dead = True
            self._deaths += 1
            loop.call_later(outage.seconds, self._revive)
        else:
            self._restart = loop.create_task(self._stop_for(outage.seconds))
            if http_request.transport is not None:
                http_request.transport.close()
        return outage.kind

    def _revive(self) -> None:
        self._engine_dead = False

    async def _stop_for(self, seconds: float) -> None:
        await self.stop()
        await asyncio.sleep(seconds)
        await self.start()

    async def _chat(self, http_request: web.Request) -> web.StreamResponse:
        authorized = (
            self.api_key is None or http_request.headers.get("Authorization") == f"Bearer {self.api_key}"
        )
        try:
            payload = json.loads(await http_request.read())
            request, model, seed = request_from_payload(payload)
        except (json.JSONDecodeError, ProtocolError) as error:
            return web.json_response(
                {"error": {"message": str(error), "type": "invalid_request_error"}}, status=400
            )
        fault = self.faults.popleft() if self.faults and not self._engine_dead else None
        images = sum(len(m.images) for m in request.messages)
        text = "\n".join(m.text for m in request.messages)
        seen = Received(model, seed, images, text, authorized, fault.kind if fault else None)
        self.received.append(seen)
        if self._begin_due_outage(http_request) == "stopped":
            return web.Response(status=503)  # never delivered: the connection is already closed
        if not authorized:
            return web.json_response({"error": {"message": "invalid API key", "type": "auth"}}, status=401)
        if self._engine_dead:
            return self._engine_dead_reply()
        if fault is not None and fault.kind != "refuse":
            return await self._fail(http_request, fault)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.capacity or 1_000_000)
        deaths = self._deaths
        async with self._slots:
            completion = await self.backend.complete(request, model, seed)
        if self._deaths != deaths:  # the engine died while answering: vLLM fails those requests too
            return self._engine_dead_reply()
        if self.reasoning_parser:
            completion = split_think_tags(completion)
        if fault is not None:  # refuse: a content-filter stop, as hosted APIs report it
            completion = Completion("", None, "content_filter")
        self.answered.append(seen)
        return web.json_response(completion_payload(completion, model, f"chatcmpl-{next(self._ids)}"))

    @staticmethod
    def _engine_dead_reply() -> web.Response:
        body = {"error": {"message": "EngineCore encountered an issue", "type": "InternalServerError"}}
        return web.json_response(body, status=500)

    async def _fail(self, http_request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault.kind == "429":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            body = {"error": {"message": "rate limited", "type": "rate_limit"}}
            return web.json_response(body, status=429, headers=headers)
        if fault.kind == "500":
            return web.json_response({"error": {"message": "internal error", "type": "server"}}, status=500)
        if fault.kind == "timeout":
            await asyncio.sleep(fault.hold_s)
            return web.json_response({"error": {"message": "too late", "type": "server"}}, status=504)
        if fault.kind == "invalid_json":
            return web.Response(
                body=b'{"id": "chatcmpl-x", "choices": [{"message": ', content_type="application/json"
            )
        # truncated: promise a longer body than is sent, then drop the connection
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "application/json", "Content-Length": "4096"}
        )
        await response.prepare(http_request)
        await response.write(b'{"id": "chatcmpl-x", "object": "chat.completion", "choi')
        if http_request.transport is not None:
            http_request.transport.close()
        return response

    async def _models(self, _: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "local", "object": "model"}]})

    async def start(self) -> str:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT_S)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the real port when 0 was asked
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> str:
        """Serve from a background thread with its own event loop; returns the base URL."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(self.start())
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()
            if self._restart is not None:
                self._restart.cancel()
            self._loop.run_until_complete(self.stop())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="local-chat-server", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if failure:
            raise failure[0]
        return self.url

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._thread = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OpenAI-compatible chat server backed by a local HF model.")
    parser.add_argument(
        "--model-dir", required=True, help="HF model directory (e.g. from `vision-r1 tiny-model`)"
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--capacity", type=int, default=None, help="requests answered at once (default: all)")
    parser.add_argument(
        "--max-tokens-cap", type=int, default=64, help="upper bound on max_tokens per request"
    )
    parser.add_argument(
        "--reasoning-parser", action="store_true", help="move <think>...</think> to reasoning_content"
    )
    args = parser.parse_args(argv)

    async def serve() -> None:
        server = ChatServer(
            ModelBackend(args.model_dir, args.max_tokens_cap),
            capacity=args.capacity,
            reasoning_parser=args.reasoning_parser,
            port=args.port,
        )
        print(f"serving {args.model_dir} at {await server.start()}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
