"""Generation with vLLM's offline engine: the GPU path, tensor parallel, the whole set in one call.

vLLM schedules and batches continuously by itself, so every pending request is submitted at once.
Prompts come from the model's own chat template (the same rendering as the CPU path) and images
travel as `multi_modal_data`. vLLM is imported only here; without it the error says how to get it.
On vLLM's CPU build (installed by `./install.sh cpu`) the same code runs on the host: the KV cache
then gets an explicit size, because by default vLLM's CPU worker reserves
`gpu_memory_utilization` x host RAM and refuses to start on a machine that has other work.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from vision_r1.evaluation.generation import (
    BackendUnavailableError,
    Generation,
    GenerationRequest,
    SamplingSettings,
    render_prompt,
)
from vision_r1.evaluation.items import decode_image

MISSING_VLLM = (
    "the 'vllm' generation backend needs vLLM, which is not installed here: ./install.sh gpu on a GPU "
    "machine (verl's pinned vLLM), ./install.sh cpu for vLLM's CPU build, or evaluate with "
    "--backend transformers."
)
CPU_KV_CACHE_ENV = "VLLM_CPU_KVCACHE_SPACE"  # GiB; when set, vLLM's CPU platform uses it as is
CPU_KV_CACHE_BYTES = 1 << 30


def import_vllm():
    try:
        import vllm
    except ImportError as error:
        raise BackendUnavailableError(MISSING_VLLM) from error
    return vllm


class VllmGenerator:
    def __init__(
        self,
        model_dir: str,
        sampling: SamplingSettings,
        tensor_parallel_size: int = 1,
        max_images_per_prompt: int = 5,
    ) -> None:
        vllm = import_vllm()
        from transformers import AutoProcessor

        self.processor = AutoProcessor.from_pretrained(model_dir)
        self.engine = vllm.LLM(
            model=str(model_dir),
            tensor_parallel_size=tensor_parallel_size,
            limit_mm_per_prompt={"image": max_images_per_prompt},
            seed=sampling.seed,  # the engine's seed: a per-request seed crashes vLLM's CPU sampler
            **_host_engine_args(),
        )
        self.params = vllm.SamplingParams(
            n=1,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            max_tokens=sampling.max_new_tokens,
        )

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        prompts = []
        for request in requests:
            prompt: dict[str, object] = {"prompt": render_prompt(self.processor, request.messages)}
            if request.images:
                prompt["multi_modal_data"] = {"image": [decode_image(data) for data in request.images]}
            prompts.append(prompt)
        outputs = self.engine.generate(prompts, self.params, use_tqdm=True)
        results = []
        for output in outputs:
            completion = output.outputs[0]
            results.append(
                Generation(
                    text=completion.text,
                    num_tokens=len(completion.token_ids),
                    truncated=completion.finish_reason == "length",
                )
            )
        return results


def _host_engine_args() -> dict[str, object]:
    """Engine arguments that only vLLM's CPU build needs."""
    from vllm.platforms import current_platform

    if not current_platform.is_cpu() or os.environ.get(CPU_KV_CACHE_ENV):
        return {}
    return {"kv_cache_memory_bytes": CPU_KV_CACHE_BYTES}
