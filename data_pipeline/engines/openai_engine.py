"""The `openai` engine: async requests to any OpenAI-compatible chat-completions endpoint.

aiohttp, not the openai SDK or httpx: at thousands of requests per minute the client's own CPU cost
matters (measured here: ~0.25 ms per request for aiohttp vs ~1.4 ms for httpx), and the retry policy
must be ours (Retry-After, jitter, permanent vs transient) so the journal records the right outcome.
An endpoint that keeps failing is waited out as a whole (see `health`), not retried request by request.
The API key lives only in a request header; every error text is scrubbed of it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from typing import Any

import aiohttp

from data_pipeline.chat import (
    ChatRequest,
    Completion,
    EngineFailure,
    FatalEngineError,
    RequestFailure,
    TransientFailure,
)
from data_pipeline.config import ConfigError, OpenAIEndpoint
from data_pipeline.engines.health import EndpointHealth, OutagePolicy
from data_pipeline.engines.limiter import PriorityLimiter
from data_pipeline.engines.retry import FATAL_STATUS, RETRYABLE_STATUS, RetryPolicy, parse_retry_after
from data_pipeline.protocol import parse_completion, request_payload

_SNIPPET = 200
# The probe: the smallest real request (one token, no seed), so it fails whenever the model cannot
# answer; `/v1/models` keeps answering on a vLLM server whose engine has died.
PROBE_TEXT = "ping"
PROBE_TIMEOUT_S = 30.0


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class HttpPool:
    """One connection pool and one concurrency limit per server (base URL): two roles served by the same
    server share its capacity instead of each assuming all of it."""

    def __init__(self, base_url: str, capacity: int):
        self.base_url = base_url.rstrip("/")
        self.limiter = PriorityLimiter(capacity)
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.limiter.capacity, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class OpenAIEngine:
    def __init__(self, endpoint: OpenAIEndpoint, pool: HttpPool, rng: random.Random | None = None):
        self.endpoint = endpoint
        self.model_id = f"openai:{endpoint.model}"
        self.pool = pool
        self.policy = RetryPolicy(endpoint.max_retries, endpoint.backoff_base_s, endpoint.backoff_max_s)
        self.retries = 0
        self._rng = rng or random.Random()
        self._url = f"{pool.base_url}/chat/completions"
        self._timeout = aiohttp.ClientTimeout(total=endpoint.timeout_s)
        self._probe_timeout = aiohttp.ClientTimeout(total=min(endpoint.timeout_s, PROBE_TIMEOUT_S))
        self._probe_body = json.dumps(
            {
                "model": endpoint.model,
                "messages": [{"role": "user", "content": PROBE_TEXT}],
                "max_tokens": 1,
                "temperature": 0.0,
            }
        ).encode()
        policy = OutagePolicy(
            endpoint.down_after_failures, endpoint.outage_budget_s, endpoint.probe_interval_s
        )
        self.health = EndpointHealth(f"{pool.base_url} (model {endpoint.model})", self.probe, policy)
        self._headers = {"Content-Type": "application/json"}
        self._secret: str | None = None
        if endpoint.api_key_env:
            secret = os.environ.get(endpoint.api_key_env)
            if not secret:
                raise ConfigError(
                    f"environment variable {endpoint.api_key_env} (api_key_env of {endpoint.model}) is not set"
                )
            self._secret = secret
            self._headers["Authorization"] = f"Bearer {secret}"

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    async def generate(self, request: ChatRequest, *, seed: int | None, priority: int = 0) -> Completion:
        """One completion. Raises EngineFailure (permanent), TransientFailure (retries ran out, or
        EndpointDown: the endpoint outlasted its outage budget) or FatalEngineError."""
        body = json.dumps(
            request_payload(request, self.endpoint.model, seed if self.endpoint.send_seed else None),
            ensure_ascii=False,
        ).encode()
        charged = 0  # failures that were this request's own, not its endpoint's outage
        sent = False
        while True:
            await self.health.wait_until_up()
            if sent:
                self.retries += 1
            sent = True
            try:
                async with self.pool.limiter.slot(priority):
                    completion = await self._attempt(body, self._timeout)
            except _Transient as transient:
                if not self.health.record_failure(transient.reason):
                    continue  # part of an outage: wait for the endpoint, not charged to this request
                if charged == self.policy.max_retries:
                    raise TransientFailure(
                        "retries_exhausted", self._scrub(f"{charged} retries, last: {transient.reason}")
                    ) from None
                # Wait outside the concurrency slot, so backing-off requests do not block others.
                await asyncio.sleep(self.policy.delay(charged, transient.retry_after, self._rng))
                charged += 1
            except (RequestFailure, FatalEngineError):
                self.health.record_success()  # the server answered, if not what we wanted
                raise
            else:
                self.health.record_success()
                return completion

    async def probe(self) -> str | None:
        """Ask the endpoint for one token: None when it answers at all, else the transient reason."""
        try:
            await self._attempt(self._probe_body, self._probe_timeout)
        except _Transient as transient:
            return transient.reason
        except (RequestFailure, FatalEngineError):
            return None  # an answer, even a refusal: the server is serving again
        return None

    async def _attempt(self, body: bytes, timeout: aiohttp.ClientTimeout) -> Completion:
        session = self.pool.session()
        try:
            async with session.post(self._url, data=body, headers=self._headers, timeout=timeout) as response:
                raw = await response.read()
                status = response.status
                headers = dict(response.headers)
        except TimeoutError as error:
            raise _Transient("timeout") from error
        except aiohttp.ClientError as error:
            raise _Transient(f"connection: {type(error).__name__}") from error
        if status == 200:
            return parse_completion(self._decode(raw))
        snippet = self._scrub(raw[:_SNIPPET].decode("utf-8", "replace"))
        if status in RETRYABLE_STATUS or status >= 500:
            # The body says why (vLLM: "EngineCore encountered an issue"), which an outage report needs.
            raise _Transient(f"http_{status} ({' '.join(snippet.split())})", parse_retry_after(headers))
        if status in FATAL_STATUS:
            raise FatalEngineError(
                f"{self._url} answered HTTP {status} for model {self.endpoint.model}: {snippet}"
            )
        raise EngineFailure(f"http_{status}", snippet)

    @staticmethod
    def _decode(raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            # A cut or garbled body is usually a proxy or server hiccup: worth another try.
            raise _Transient(f"invalid_json ({error.msg if hasattr(error, 'msg') else error})") from error

    async def aclose(self) -> None:
        await self.health.aclose()
        await self.pool.aclose()
