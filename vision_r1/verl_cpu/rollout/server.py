"""The `hf` rollout server: a Ray actor with the interface of verl's vLLM server, on transformers.

It answers to what verl calls on a rollout server (compare
`verl/workers/rollout/vllm_rollout/vllm_async_server.py::vLLMHttpServer`): `generate` from the
agent loop's `LLMServerClient`; `update_weights` / `set_global_steps` from the trainer's weight
sync each step; `wake_up`, `sleep`, `clear_kv_cache`, `release_kv_cache`, `resume_kv_cache` from
the replica. It keeps its own copy of the policy; requests run one at a time (the CPU is the
bottleneck either way), in a worker thread so control calls stay responsive.

What is a no-op here and why: there is no device memory to hand back to the trainer and no KV
cache that outlives a request, so sleep / wake / cache calls do nothing. Abort is real: it stops
the running request after its current token and parks (or rejects) new ones until resumed.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import torch

from vision_r1.verl_cpu.rollout.generation import generate_tokens


def load_policy(model_path: str, dtype: str) -> tuple[torch.nn.Module, Any]:
    """The HF model (vision-language if the config has a vision tower) and its processor."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor

    config = AutoConfig.from_pretrained(model_path)
    model_cls = AutoModelForImageTextToText if hasattr(config, "vision_config") else AutoModelForCausalLM
    model = model_cls.from_pretrained(
        model_path, dtype=getattr(torch, dtype), attn_implementation="sdpa"
    ).eval()
    return model, AutoProcessor.from_pretrained(model_path)


class HFRolloutServer:
    """One rollout replica's server: holds the rollout policy and serves token-in-token-out requests."""

    def __init__(self, config: Any, model_config: Any) -> None:
        from verl.utils.fs import copy_to_local

        self.config = config
        self.global_steps: int | None = None
        model_path = copy_to_local(model_config.path)
        from verl.workers.rollout.utils import get_vision_placeholder_token_ids

        self.model, processor = load_policy(model_path, config.dtype)
        self.image_processor = getattr(processor, "image_processor", None)
        # As verl's vLLM server does (vllm_async_server.py: banned_token_ids): a sampled
        # <|image_pad|>/<|video_pad|> has no image behind it and breaks get_rope_index downstream.
        self.banned_token_ids = get_vision_placeholder_token_ids(processor)
        self.max_model_len = config.max_model_len or config.prompt_length + config.response_length
        self._lock = asyncio.Lock()  # one request (or weight update) at a time
        self._open = asyncio.Event()  # closed between abort_all_requests and resume_generation
        self._open.set()
        self._rejecting = False
        self._abort = threading.Event()  # stops the running request after its current token
        self._running_request: str | None = None

    async def ready(self) -> bool:
        """Answers once `__init__` (model load) has finished."""
        return True

    def _max_new_tokens(self, prompt_len: int, sampling: dict[str, Any]) -> int:
        """Same budget rule as verl's vLLM server: requested, else response_length, within the context."""
        room = self.max_model_len - prompt_len
        if room < 1:
            raise ValueError(
                f"prompt of {prompt_len} tokens leaves no room within max_model_len {self.max_model_len}"
            )
        requested = sampling.pop("max_tokens", sampling.pop("max_new_tokens", None))
        if requested is None:
            requested = min(
                self.config.response_length,
                self.config.prompt_length + self.config.response_length - prompt_len,
            )
        return max(1, min(int(requested), room))

    async def generate(
        self,
        prompt_ids: list[int],
        sampling_params: dict[str, Any],
        request_id: str,
        image_data: list[Any] | None = None,
        video_data: list[Any] | None = None,
        audio_data: list[Any] | None = None,
        mm_processor_kwargs: dict[str, Any] | None = None,
        **scheduling_hints: Any,
    ) -> Any:
        """verl's `generate` (see `vLLMHttpServer.generate`); `priority` and other scheduling hints
        have no meaning for one-at-a-time serving and are ignored."""
        from verl.workers.rollout.replica import TokenOutput

        if video_data or audio_data:
            raise NotImplementedError("hf rollout: only image inputs are supported (no video or audio)")
        extra_fields = {"global_steps": self.global_steps}
        aborted = TokenOutput(token_ids=[], log_probs=None, stop_reason="aborted", extra_fields=extra_fields)
        if self._rejecting:
            return aborted
        await self._open.wait()
        sampling = dict(sampling_params)
        max_new_tokens = self._max_new_tokens(len(prompt_ids), sampling)
        sampling.setdefault("repetition_penalty", self.config.repetition_penalty)
        sampling.setdefault("ignore_eos", self.config.ignore_eos)
        async with self._lock:
            if self._rejecting or not self._open.is_set():
                return aborted
            self._running_request = request_id
            try:
                result = await asyncio.to_thread(
                    generate_tokens,
                    self.model,
                    self.image_processor,
                    list(prompt_ids),
                    sampling,
                    max_new_tokens,
                    images=image_data,
                    image_kwargs=mm_processor_kwargs,
                    abort=self._abort,
                    logprobs_mode=self.config.logprobs_mode,
                    banned_token_ids=self.banned_token_ids,
                )
            finally:
                self._running_request = None
        return TokenOutput(
            token_ids=result.token_ids,
            log_probs=result.log_probs,
            stop_reason="aborted" if result.aborted else "completed",
            extra_fields=extra_fields,
        )

    async def update_weights(
        self, named_tensors: list[tuple[str, torch.Tensor]], global_steps: int | None
    ) -> int:
        """Load the actor's full tensors (verl sends the HF state-dict names); returns how many were set."""
        params = self.model.state_dict(keep_vars=True)  # includes tied aliases such as lm_head.weight
        loaded = set()
        async with self._lock:
            with torch.no_grad():
                for name, tensor in named_tensors:
                    if name not in params:
                        raise KeyError(
                            f"hf rollout: actor sent weight {name!r} the rollout model does not have"
                        )
                    params[name].copy_(tensor)
                    loaded.add(name)
        missing = {name for name, _ in self.model.named_parameters()} - loaded
        if missing:
            raise KeyError(
                f"hf rollout: weight update left {len(missing)} parameters stale, e.g. {sorted(missing)[:3]}"
            )
        if global_steps is not None:
            self.global_steps = global_steps
        return len(loaded)

    async def set_global_steps(self, global_steps: int) -> None:
        self.global_steps = global_steps

    async def abort_all_requests(self, reset_prefix_cache: bool = True, reject_request: bool = False) -> dict:
        """Stop the running request, park (or with `reject_request`, refuse) new ones until resumed."""
        self._open.clear()
        self._rejecting = reject_request
        running = self._running_request
        self._abort.set()
        async with self._lock:  # wait for the running request to return its partial output
            self._abort.clear()
        request_ids = [running] if running else []
        return {"aborted_count": len(request_ids), "request_ids": request_ids}

    async def abort_request(self, request_id: str, reset_prefix_cache: bool = True) -> dict:
        if self._running_request != request_id:
            return {"aborted": False, "request_id": request_id, "error": "request is not running"}
        self._abort.set()
        async with self._lock:
            self._abort.clear()
        return {"aborted": True, "request_id": request_id}

    async def resume_generation(self) -> None:
        self._rejecting = False
        self._open.set()

    resume_engine_generation = resume_generation
    open_submission_gate = resume_generation

    async def wait_for_requests_to_drain(self) -> None:
        async with self._lock:
            pass

    # Memory and cache lifecycle: nothing to free or restore on CPU (see the module docstring).
    async def wake_up(self, tags: list[str] | None = None) -> None:
        """The policy stays resident; weights arrive through `update_weights`."""

    async def sleep(self) -> None:
        """No device memory to hand back to the trainer."""

    async def clear_kv_cache(self) -> None:
        """No KV cache outlives a request."""

    release_kv_cache = resume_kv_cache = clear_kv_cache

    async def start_profile(self, **kwargs: Any) -> None:
        """Rollout profiling is a vLLM/SGLang feature; nothing to start."""

    stop_profile = start_profile
