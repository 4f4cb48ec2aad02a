"""Engine-neutral chat requests and completions.

Steps build a `ChatRequest`; each engine turns it into its own wire form (OpenAI JSON with data
URLs, or a processor call with PIL images). Images stay raw bytes here so a request's digest (the
journal key) is computed from image hashes, never from megabytes of base64.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImagePart:
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Message:
    """One chat turn: `parts` are `str` (text) or `ImagePart`, in the order the model reads them."""

    role: str
    parts: tuple[str | ImagePart, ...]

    @property
    def text(self) -> str:
        return "".join(part for part in self.parts if isinstance(part, str))

    @property
    def images(self) -> list[bytes]:
        return [part.data for part in self.parts if isinstance(part, ImagePart)]


@dataclass(frozen=True)
class Sampling:
    """Sampling parameters; `extra` passes server-specific fields (e.g. vLLM's `top_k`) through."""

    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 1024
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            **dict(sorted(self.extra.items())),
        }


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[Message, ...]
    sampling: Sampling

    def digest(self) -> str:
        """Stable hash of everything the model sees (text, image hashes, sampling)."""
        canonical = [
            [m.role, [p if isinstance(p, str) else {"image_sha256": p.sha256} for p in m.parts]]
            for m in self.messages
        ]
        blob = json.dumps([canonical, self.sampling.as_dict()], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Completion:
    """A model reply. `reasoning_content` is set by servers that split a reasoning model's thinking out
    of `content` (vLLM/SGLang reasoning parsers, hosted R1 APIs); otherwise it is None."""

    content: str
    reasoning_content: str | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "reasoning_content": self.reasoning_content,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Completion:
        return cls(
            content=data.get("content") or "",
            reasoning_content=data.get("reasoning_content"),
            finish_reason=data.get("finish_reason") or "stop",
            prompt_tokens=int(data.get("prompt_tokens") or 0),
            completion_tokens=int(data.get("completion_tokens") or 0),
        )


class RequestFailure(Exception):
    """A request that got no usable reply (`reason` is a short code counted in the stats, `detail` a
    human-readable explanation)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class EngineFailure(RequestFailure):
    """A reply that would come back the same way if asked again (a 4xx, a refusal, a reply that fails
    validation): journaled as a permanent failure, re-sent only with `--retry-failed`."""


class TransientFailure(RequestFailure):
    """No answer this run for reasons outside the request (5xx, timeouts, dropped connections, 429 after
    every retry): the sample is pending, not lost; the next plain re-run sends the request again."""


class EndpointDown(TransientFailure):
    """The endpoint stayed down longer than its outage budget: requests to it are not sent any more."""


class FatalEngineError(Exception):
    """A failure that would hit every request the same way (bad key, unknown model, wrong URL): the run
    stops at once instead of recording thousands of identical failures. Finished work stays journaled."""
