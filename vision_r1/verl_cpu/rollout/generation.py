"""Token-in, token-out generation with transformers `generate`, shaped like verl's vLLM server.

verl's agent loop sends a rollout server the prompt as token ids (image placeholders already
expanded to one `<|image_pad|>` per visual token, built by the same processor) plus the PIL images
and vLLM-style sampling parameters; it expects back the new token ids and, when asked, one
log-prob per token. `generate_tokens` does exactly that on a local HF model, so the M-RoPE
positions of Qwen2.5-VL come from the model's own `get_rope_index`, as in verl's training forward.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

# vLLM sampling keys the agent loop sends, and the ones `generate_tokens` understands.
SUPPORTED_SAMPLING_KEYS = {
    "temperature",
    "top_p",
    "top_k",
    "repetition_penalty",
    "logprobs",
    "seed",
    "ignore_eos",
}


@dataclass(frozen=True)
class Generated:
    token_ids: list[int]
    log_probs: list[float] | None
    aborted: bool


class _StopOnEvent(StoppingCriteria):
    """Ends `generate` after the current token once `event` is set (used to abort a request)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any
    ) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool)


def _generate_kwargs(sampling: dict[str, Any], max_new_tokens: int) -> dict[str, Any]:
    unknown = set(sampling) - SUPPORTED_SAMPLING_KEYS
    if unknown:
        raise ValueError(f"hf rollout: unsupported sampling params {sorted(unknown)}")
    temperature = float(sampling.get("temperature", 1.0))
    kwargs: dict[str, Any] = {
        "max_new_tokens": max_new_tokens,
        "repetition_penalty": float(sampling.get("repetition_penalty", 1.0)),
    }
    if sampling.get("ignore_eos", False):
        kwargs["min_new_tokens"] = max_new_tokens  # EOS is suppressed until the budget is spent
    if temperature <= 0:  # vLLM's greedy convention
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    else:
        top_k = int(sampling.get("top_k", -1))
        kwargs.update(
            do_sample=True,
            temperature=temperature,
            top_p=float(sampling.get("top_p", 1.0)),
            top_k=top_k if top_k > 0 else None,  # vLLM's -1 means "no top-k"
        )
    return kwargs


def _token_log_probs(steps: tuple[torch.Tensor, ...], token_ids: torch.Tensor) -> list[float]:
    """Log-prob of each chosen token under the per-step distribution (scores or raw logits)."""
    stacked = torch.stack([step[0] for step in steps[: token_ids.numel()]]).float()
    return torch.log_softmax(stacked, dim=-1).gather(-1, token_ids[:, None]).squeeze(-1).tolist()


@torch.no_grad()
def generate_tokens(
    model: torch.nn.Module,
    image_processor: Any,
    prompt_ids: list[int],
    sampling: dict[str, Any],
    max_new_tokens: int,
    images: list[Any] | None = None,
    image_kwargs: dict[str, Any] | None = None,
    abort: threading.Event | None = None,
    logprobs_mode: str = "processed_logprobs",
    banned_token_ids: list[int] | None = None,
) -> Generated:
    """Generate up to `max_new_tokens` after `prompt_ids`; stop at EOS (kept, as vLLM does).

    `image_kwargs` are the run's `data.mm_processor_kwargs`, so the pixels match the placeholder
    count the agent loop expanded with the same settings.

    `logprobs_mode` follows verl's rollout config: `processed_logprobs` scores tokens under the
    sampling distribution (temperature, top-k/top-p applied), `raw_logprobs` under the model's
    logits.

    `banned_token_ids` are never sampled (vision placeholders: see `HFRolloutServer`).
    """
    sampling = dict(sampling)
    want_log_probs = bool(sampling.pop("logprobs", False))
    seed = sampling.pop("seed", None)
    if seed is not None:
        torch.manual_seed(int(seed))
    inputs: dict[str, Any] = {"input_ids": torch.tensor([prompt_ids], dtype=torch.long)}
    inputs["attention_mask"] = torch.ones_like(inputs["input_ids"])
    if images:
        vision = image_processor(images=images, return_tensors="pt", **(image_kwargs or {}))
        inputs["pixel_values"] = vision["pixel_values"].to(model.dtype)
        inputs["image_grid_thw"] = vision["image_grid_thw"]
    stopping = StoppingCriteriaList([_StopOnEvent(abort)]) if abort is not None else None
    output = model.generate(
        **inputs,
        **_generate_kwargs(sampling, max_new_tokens),
        stopping_criteria=stopping,
        suppress_tokens=banned_token_ids or None,
        return_dict_in_generate=True,
        output_scores=want_log_probs and logprobs_mode == "processed_logprobs",
        output_logits=want_log_probs and logprobs_mode == "raw_logprobs",
    )
    new_tokens = output.sequences[0, len(prompt_ids) :]
    log_probs = None
    if want_log_probs:
        steps = output.scores if logprobs_mode == "processed_logprobs" else output.logits
        log_probs = _token_log_probs(steps, new_tokens)
    aborted = abort is not None and abort.is_set()
    return Generated(token_ids=new_tokens.tolist(), log_probs=log_probs, aborted=aborted)
