"""Generation with vLLM's offline engine: the GPU path, tensor parallel, the whole set in one call.

vLLM schedules and batches continuously by itself, so every pending request is submitted at once.
Prompts come from the model's own chat template (the same rendering as the CPU path) and images
travel as `multi_modal_data`. vLLM is imported only here; without it the error says how to get it.
"""

from __future__ import annotations

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
    "the 'vllm' generation backend needs vLLM, which is not installed here. Install the GPU extra "
    "(pip install -e '.[gpu]', which pins verl's vLLM) on a machine with a GPU, or evaluate with "
    "--backend transformers."
)


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
            seed=sampling.seed,
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
