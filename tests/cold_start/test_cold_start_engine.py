"""The openai engine against a real local HTTP server: retries, Retry-After, faults, keys, concurrency."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
from PIL import Image

from data_pipeline.chat import (
    ChatRequest,
    Completion,
    EngineFailure,
    FatalEngineError,
    ImagePart,
    Message,
    Sampling,
    TransientFailure,
)
from data_pipeline.config import OpenAIEndpoint, TransformersEndpoint
from data_pipeline.engines import build_engines, close_engines
from data_pipeline.local_server import ChatServer, Fault, ModelBackend

SECRET = "sk-test-0123456789-never-log-me"


def _request(image: bytes | None = None, text: str = "How many?") -> ChatRequest:
    parts = (ImagePart(image), text) if image else (text,)
    return ChatRequest((Message("user", parts),), Sampling(temperature=0.5, max_tokens=16))


def _endpoint(url: str, **overrides) -> OpenAIEndpoint:
    options = {"max_retries": 3, "backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 2.0}
    return OpenAIEndpoint(base_url=url, model="local", **{**options, **overrides})


def _generate(endpoint, request: ChatRequest, seed: int = 1, count: int = 1) -> list[Completion]:
    async def run():
        engines = build_engines({"vlm": endpoint}, Path("."))
        try:
            return await asyncio.gather(*(engines["vlm"].generate(request, seed=seed) for _ in range(count)))
        finally:
            await close_engines(engines)

    return asyncio.run(run())


def _png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_images_travel_as_data_urls_and_seed_is_sent(start_server) -> None:
    seen = []

    def responder(request, model, seed):
        seen.append((request.messages[0].images, seed, request.sampling.max_tokens))
        return Completion("ok")

    server = start_server(responder)
    image = _png("blue")
    assert _generate(_endpoint(server.url), _request(image), seed=42)[0].content == "ok"
    assert seen == [([image], 42, 16)]


def test_transient_faults_are_retried_until_success(start_server) -> None:
    server = start_server(lambda request, model, seed: Completion("fine"))
    server.inject(Fault("500"), Fault("invalid_json"), Fault("truncated"))
    endpoint = _endpoint(server.url)
    assert _generate(endpoint, _request())[0].content == "fine"
    assert [r.fault for r in server.received] == ["500", "invalid_json", "truncated", None]


def test_retry_after_is_honoured(start_server) -> None:
    server = start_server(lambda request, model, seed: Completion("late"))
    server.inject(Fault("429", retry_after=0.6))
    started = time.perf_counter()
    assert _generate(_endpoint(server.url, backoff_base_s=0.001), _request())[0].content == "late"
    elapsed = time.perf_counter() - started
    assert 0.6 <= elapsed < 2.0  # our own backoff would have waited ~1 ms


def test_a_hanging_request_times_out_and_is_retried(start_server) -> None:
    server = start_server(lambda request, model, seed: Completion("after timeout"))
    server.inject(Fault("timeout", hold_s=1.0))
    started = time.perf_counter()
    assert _generate(_endpoint(server.url, timeout_s=0.4), _request())[0].content == "after timeout"
    assert time.perf_counter() - started < 2.5
    assert len(server.received) == 2


def test_exhausted_retries_are_a_transient_failure_not_a_permanent_one(start_server) -> None:
    server = start_server(lambda request, model, seed: Completion("never"))
    server.inject(*[Fault("500")] * 3)
    with pytest.raises(TransientFailure) as caught:
        _generate(_endpoint(server.url, max_retries=2), _request())
    assert not isinstance(caught.value, EngineFailure)
    assert caught.value.reason == "retries_exhausted"
    assert "http_500" in caught.value.detail
    assert len(server.received) == 3


def test_refusal_and_client_errors_are_not_retried(start_server) -> None:
    server = start_server(lambda request, model, seed: Completion("x"))
    server.inject(Fault("refuse"))
    with pytest.raises(EngineFailure) as caught:
        _generate(_endpoint(server.url), _request())
    assert caught.value.reason == "content_refused"
    assert len(server.received) == 1


def test_wrong_key_stops_the_run_without_revealing_the_key(start_server, monkeypatch) -> None:
    server = start_server(lambda request, model, seed: Completion("x"), api_key="the-right-key")
    monkeypatch.setenv("UNIT_API_KEY", SECRET)
    with pytest.raises(FatalEngineError) as caught:
        _generate(_endpoint(server.url, api_key_env="UNIT_API_KEY"), _request())
    assert "401" in str(caught.value) and SECRET not in str(caught.value)
    assert [r.authorized for r in server.received] == [False]


def test_key_is_sent_as_bearer_token(start_server, monkeypatch) -> None:
    server = start_server(lambda request, model, seed: Completion("x"), api_key=SECRET)
    monkeypatch.setenv("UNIT_API_KEY", SECRET)
    assert _generate(_endpoint(server.url, api_key_env="UNIT_API_KEY"), _request())[0].content == "x"
    assert server.received[0].authorized


def test_concurrency_never_exceeds_the_limit(start_server) -> None:
    active, peak = [0], [0]

    async def slow_complete(request, model, seed):
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        await asyncio.sleep(0.05)
        active[0] -= 1
        return Completion("done")

    server = start_server()
    server.backend.complete = slow_complete  # the server's own event loop runs it
    results = _generate(_endpoint(server.url, max_concurrency=3), _request(), count=12)
    assert [r.content for r in results] == ["done"] * 12
    assert peak[0] == 3


def test_missing_key_variable_is_a_config_error(start_server, monkeypatch) -> None:
    from data_pipeline.config import ConfigError

    monkeypatch.delenv("UNIT_MISSING_KEY", raising=False)
    with pytest.raises(ConfigError, match="UNIT_MISSING_KEY"):
        build_engines({"vlm": _endpoint("http://127.0.0.1:9/v1", api_key_env="UNIT_MISSING_KEY")}, Path("."))


@pytest.mark.slow
def test_tiny_model_server_speaks_chat_completions_with_images(tiny_model_dir: Path) -> None:
    server = ChatServer(ModelBackend(tiny_model_dir, max_tokens_cap=8), reasoning_parser=True)
    url = server.start_in_thread()
    try:
        request = _request(_png("red"), "Describe the image.")
        first = _generate(_endpoint(url), request, seed=7)[0]
        again = _generate(_endpoint(url), request, seed=7)[0]
        other = _generate(_endpoint(url), request, seed=8)[0]
    finally:
        server.stop_thread()
    assert first.content and first == again
    assert other.content != first.content
    assert 0 < first.completion_tokens <= 8 and first.prompt_tokens > 4  # image tokens are in the prompt
    assert server.received[0].image_count == 1


@pytest.mark.slow
def test_transformers_engine_answers_concurrent_requests_in_one_batch(tiny_model_dir: Path) -> None:
    endpoint = TransformersEndpoint(model_dir=str(tiny_model_dir), batch_size=4)
    request = _request(_png("red"), "Describe the image.")

    engines = build_engines({"vlm": endpoint}, Path("."))

    async def run():
        try:
            return await asyncio.gather(*(engines["vlm"].generate(request, seed=3) for _ in range(4)))
        finally:
            await close_engines(engines)

    results = asyncio.run(run())
    assert engines["vlm"].batches == 1
    assert len(results) == 4 and all(r.content for r in results)
    assert all(0 < r.completion_tokens <= 16 for r in results)
