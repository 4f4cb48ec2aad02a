"""Generate one response per question: transformers on CPU, the vLLM offline engine on GPU.

Both backends take the same requests (chat messages with `<image>` placeholders plus image bytes)
and return the text and its length in generated tokens, so everything downstream is backend-blind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from vision_r1.evaluation.items import IMAGE_PLACEHOLDER, EvalItem

BACKENDS = ("transformers", "vllm")


class BackendUnavailableError(RuntimeError):
    """The chosen generation backend cannot run here (e.g. vLLM is not installed)."""


@dataclass(frozen=True)
class SamplingSettings:
    """The paper's evaluation sampling by default: temperature 0.6, top-p 0.95, 16K new tokens."""

    temperature: float = 0.6
    top_p: float = 0.95
    max_new_tokens: int = 16384
    seed: int = 0


@dataclass(frozen=True)
class GenerationRequest:
    messages: list[dict[str, str]]
    images: list[bytes]

    @classmethod
    def for_item(cls, item: EvalItem, system_prompt: str | None = None) -> GenerationRequest:
        messages = list(item.messages)
        if system_prompt and not any(m["role"] == "system" for m in messages):
            messages.insert(0, {"role": "system", "content": system_prompt})
        return cls(messages=messages, images=item.images)


@dataclass(frozen=True)
class Generation:
    """A response; length and truncation are None when unknown (responses generated elsewhere)."""

    text: str
    num_tokens: int | None
    truncated: bool | None  # stopped by max_new_tokens rather than an end-of-sequence token


class Generator(Protocol):
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]: ...


def chat_messages(messages: list[dict[str, str]]) -> list[dict[str, object]]:
    """RL-style messages (`<image>` in text) as the content parts HF chat templates expect."""
    converted: list[dict[str, object]] = []
    for message in messages:
        pieces = message["content"].split(IMAGE_PLACEHOLDER)
        parts: list[dict[str, str]] = []
        for index, piece in enumerate(pieces):
            if index:
                parts.append({"type": "image"})
            if piece:
                parts.append({"type": "text", "text": piece})
        converted.append({"role": message["role"], "content": parts})
    return converted


def render_prompt(processor, messages: list[dict[str, str]]) -> str:
    """The prompt string produced by the model's own chat template, generation prompt appended."""
    return processor.apply_chat_template(chat_messages(messages), add_generation_prompt=True, tokenize=False)


def make_generator(
    backend: str, model_dir: str, sampling: SamplingSettings, batch_size: int, tensor_parallel_size: int
) -> Generator:
    """The generator for `backend`; heavy libraries are imported only for the one chosen."""
    if backend == "transformers":
        from vision_r1.evaluation.generation.hf import TransformersGenerator

        return TransformersGenerator(model_dir, sampling, batch_size=batch_size)
    if backend == "vllm":
        from vision_r1.evaluation.generation.vllm_engine import VllmGenerator

        return VllmGenerator(model_dir, sampling, tensor_parallel_size=tensor_parallel_size)
    raise ValueError(f"unknown generation backend '{backend}'; known: {', '.join(BACKENDS)}")
