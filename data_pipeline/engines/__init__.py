"""Model engines: build the VLM and reasoner engines a config names, sharing what can be shared.

Two roles served by one server share its connection pool and concurrency limit; two roles using one
local model directory share one loaded model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from data_pipeline.chat import ChatRequest, Completion
from data_pipeline.config import Endpoint, OpenAIEndpoint, TransformersEndpoint
from data_pipeline.engines.health import Outage
from data_pipeline.engines.openai_engine import HttpPool, OpenAIEngine
from data_pipeline.engines.transformers_engine import TransformersEngine

TINY_PREFIX = "tiny:"


class Engine(Protocol):
    model_id: str
    retries: int

    async def generate(self, request: ChatRequest, *, seed: int | None, priority: int = 0) -> Completion: ...

    async def aclose(self) -> None: ...


def resolve_model_dir(model_dir: str, work_dir: Path) -> str:
    """`tiny:SEED` builds the tiny random-weight Qwen2.5-VL once under `work_dir`; paths pass through."""
    if not model_dir.startswith(TINY_PREFIX):
        return model_dir
    seed = int(model_dir[len(TINY_PREFIX) :])
    target = work_dir / f"tiny-model-seed{seed}"
    if not (target / "model.safetensors").is_file():
        from vision_r1.tiny_model import build_tiny_model

        build_tiny_model(target, seed=seed)
    return str(target)


def build_engines(endpoints: dict[str, Endpoint], work_dir: Path) -> dict[str, Engine]:
    """One engine per role name in `endpoints`."""
    openai_endpoints = [e for e in endpoints.values() if isinstance(e, OpenAIEndpoint)]
    pools: dict[str, HttpPool] = {}
    for endpoint in openai_endpoints:
        url = endpoint.base_url.rstrip("/")
        if url not in pools:
            capacity = min(e.max_concurrency for e in openai_endpoints if e.base_url.rstrip("/") == url)
            pools[url] = HttpPool(url, capacity)
    local: dict[tuple[str, str, str], TransformersEngine] = {}
    engines: dict[str, Engine] = {}
    for role, endpoint in endpoints.items():
        if isinstance(endpoint, TransformersEndpoint):
            key = (endpoint.model_dir, endpoint.device, endpoint.dtype)
            if key not in local:
                local[key] = TransformersEngine(
                    resolve_model_dir(endpoint.model_dir, work_dir),
                    model_id=f"transformers:{endpoint.model_dir}",
                    batch_size=endpoint.batch_size,
                    device=endpoint.device,
                    dtype=endpoint.dtype,
                )
            engines[role] = local[key]
        else:
            engines[role] = OpenAIEngine(endpoint, pools[endpoint.base_url.rstrip("/")])
    return engines


def distinct_engines(engines: dict[str, Engine]) -> list[Engine]:
    """Each engine once, though several roles may share it."""
    return list({id(e): e for e in engines.values()}.values())


def endpoint_outages(engines: dict[str, Engine]) -> list[Outage]:
    """Every outage the HTTP engines went through, in order per engine."""
    return [
        outage
        for e in distinct_engines(engines)
        if isinstance(e, OpenAIEngine)
        for outage in e.health.outages
    ]


async def close_engines(engines: dict[str, Engine]) -> None:
    for engine in distinct_engines(engines):
        await engine.aclose()
