"""Is an endpoint up? Recognising an outage, waiting it out by probing, and giving up after a budget.

When a server's engine dies, vLLM answers every request with HTTP 500 at once; when the server is
restarted, connections are refused for minutes. Retrying each request on its own would burn every
request's retries within a minute and leave the rest of the queue unsent. Instead, a run of transient
failures across requests marks the endpoint down: nothing more is sent, one probe at a time asks
whether it answers again (backing off up to the probe interval), and the waiting requests resume
together when it does. Failures that belong to an outage are not charged to the requests that met
them, so no request runs out of retries because its server was down. An outage longer than the budget
makes every waiting and later request fail with `EndpointDown`: their samples stay pending for the
next run, and the run says so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from data_pipeline.chat import EndpointDown

# The first probe comes after this share of the probe interval (most outages a busy client sees are
# blips); each later wait doubles, up to the interval.
FIRST_PROBE_SHARE = 1 / 8

# Returns None when the endpoint answered, else the transient reason it did not.
Probe = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class OutagePolicy:
    """When an endpoint counts as down, how often to probe it, and how long to wait for it at most
    (from the engine's config: `OpenAIEndpoint` documents the settings and holds their defaults)."""

    down_after_failures: int
    outage_budget_s: float
    probe_interval_s: float


@dataclass
class Outage:
    """One period during which an endpoint was down, as reported in the run's stats."""

    endpoint: str
    budget_s: float
    started_at: float  # wall clock (time.time()) when the endpoint was recognised as down
    first_error: str
    last_error: str
    seconds: float = 0.0
    probes: int = 0
    recovered: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "budget_s": self.budget_s,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.started_at)),
            "seconds": round(self.seconds, 3),
            "probes": self.probes,
            "recovered": self.recovered,
            "first_error": self.first_error,
            "last_error": self.last_error,
        }


def describe_outage(outage: dict[str, Any]) -> str:
    """One line for an outage as `Outage.as_dict` gives it (the stats summary and EndpointDown)."""
    head = f"{outage['endpoint']} was down for {outage['seconds']:.1f} s from {outage['started_at']}"
    if outage["recovered"]:
        return f"{head}: back after {outage['probes']} probes"
    return (
        f"{head}, longer than its outage_budget_s ({outage['budget_s']:g} s): gave up after "
        f"{outage['probes']} probes, last error: {outage['last_error']}"
    )


class EndpointHealth:
    """The up/down state of one endpoint, shared by every request sent to it."""

    def __init__(self, name: str, probe: Probe, policy: OutagePolicy):
        self.name = name
        self.policy = policy
        self.outages: list[Outage] = []
        self._probe = probe
        self._consecutive_failures = 0
        self._up = asyncio.Event()
        self._up.set()
        self._down_since = 0.0
        self._watcher: asyncio.Task[None] | None = None
        self._gave_up: str | None = None

    @property
    def down(self) -> bool:
        return self._gave_up is not None or not self._up.is_set()

    def record_success(self) -> None:
        """The endpoint answered (anything but a transient failure). During an outage this is a reply to
        a request sent before it; only a probe ends an outage, so a late reply cannot make it flap."""
        self._consecutive_failures = 0

    def record_failure(self, reason: str) -> bool:
        """Count a transient failure. Returns True when it is the request's own (charge it to the
        request's retries), False when it is part of an outage (wait for the endpoint instead)."""
        if self.down:
            self.outages[-1].last_error = reason
            return False
        self._consecutive_failures += 1
        if self._consecutive_failures < self.policy.down_after_failures:
            return True
        self._go_down(reason)
        return False

    async def wait_until_up(self) -> None:
        """Return at once while the endpoint is up; during an outage, when it ends. Raises EndpointDown
        once the outage has outlasted the budget."""
        if self._gave_up is None and not self._up.is_set():
            await self._up.wait()
        if self._gave_up is not None:
            raise EndpointDown("endpoint_down", self._gave_up)

    def _go_down(self, reason: str) -> None:
        self._up.clear()
        self._down_since = time.monotonic()
        outage = Outage(self.name, self.policy.outage_budget_s, time.time(), reason, reason)
        self.outages.append(outage)
        self._watcher = asyncio.get_running_loop().create_task(self._watch(outage))

    async def _watch(self, outage: Outage) -> None:
        delay = FIRST_PROBE_SHARE * self.policy.probe_interval_s
        deadline = self._down_since + self.policy.outage_budget_s
        while not self._up.is_set():
            await asyncio.sleep(max(0.0, min(delay, deadline - time.monotonic())))
            error = await self._probe()
            outage.probes += 1
            if error is None:
                outage.seconds = time.monotonic() - self._down_since
                outage.recovered = True
                self._consecutive_failures = 0
                self._up.set()
                return
            outage.last_error = error
            if time.monotonic() >= deadline:
                self._give_up(outage)
                return
            delay = min(2.0 * delay, self.policy.probe_interval_s)

    def _give_up(self, outage: Outage) -> None:
        outage.seconds = time.monotonic() - self._down_since
        self._gave_up = describe_outage(outage.as_dict())
        self._up.set()  # wake the waiting requests: they raise EndpointDown

    async def aclose(self) -> None:
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
