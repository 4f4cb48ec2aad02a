"""When to retry a request and how long to wait: exponential backoff with jitter, `Retry-After` honoured.

Jitter spreads the retries of many concurrent requests that failed together (a 429 burst) so they do
not return together; a server's explicit `Retry-After` (or OpenAI's `retry-after-ms`) wins over our
own guess because the server knows when it will have capacity again.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# Failures that would repeat for every request: stop the run instead of failing each sample.
FATAL_STATUS = frozenset({401, 403, 404})
# Never wait longer than this for one retry, whatever a server says.
MAX_RETRY_AFTER_S = 600.0


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    lowered = {key.lower(): value for key, value in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    base_s: float = 1.0
    max_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Wait before retry number `attempt` (0-based): half fixed, half random ("equal jitter"), or the
        server's Retry-After plus up to 10% jitter."""
        if retry_after is not None:
            wait = min(retry_after, MAX_RETRY_AFTER_S)
            return wait + rng.uniform(0.0, 0.1 * wait)
        ceiling = min(self.max_s, self.base_s * (2.0**attempt))
        return ceiling / 2.0 + rng.uniform(0.0, ceiling / 2.0)
