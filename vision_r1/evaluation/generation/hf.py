"""Batched generation with transformers: the CPU path (tiny model, laptops, CI).

Prompts are left-padded so a whole batch decodes in one `generate` call; each row's length is
counted up to and including its first end-of-sequence token, which is what vLLM reports too.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

from vision_r1.evaluation.generation import Generation, GenerationRequest, SamplingSettings, render_prompt
from vision_r1.evaluation.items import decode_image


class TransformersGenerator:
    def __init__(self, model_dir: str, sampling: SamplingSettings, batch_size: int = 8) -> None:
        self.sampling = sampling
        self.batch_size = batch_size
        self.processor = AutoProcessor.from_pretrained(model_dir)
        self.processor.tokenizer.padding_side = "left"
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = (
            AutoModelForImageTextToText.from_pretrained(model_dir, dtype="auto").to(self.device).eval()
        )
        eos = self.model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])
        self.pad_id = self.model.generation_config.pad_token_id or self.processor.tokenizer.pad_token_id
        torch.manual_seed(sampling.seed)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        results: list[Generation] = []
        for start in range(0, len(requests), self.batch_size):
            results += self._generate_batch(requests[start : start + self.batch_size])
        return results

    def _generate_batch(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        prompts = [render_prompt(self.processor, request.messages) for request in requests]
        images = [decode_image(data) for request in requests for data in request.images]
        inputs = self.processor(text=prompts, images=images or None, padding=True, return_tensors="pt")
        sampling = self.sampling
        do_sample = sampling.temperature > 0
        sample_args = (
            {"temperature": sampling.temperature, "top_p": sampling.top_p, "top_k": 0} if do_sample else {}
        )
        with torch.no_grad():
            output = self.model.generate(
                **inputs.to(self.device),
                max_new_tokens=sampling.max_new_tokens,
                do_sample=do_sample,
                pad_token_id=self.pad_id,
                **sample_args,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :].tolist()
        return [self._finish(row) for row in new_tokens]

    def _finish(self, tokens: list[int]) -> Generation:
        end = next((i for i, token in enumerate(tokens) if token in self.eos_ids), None)
        kept = tokens if end is None else tokens[: end + 1]
        text = self.processor.decode(kept, skip_special_tokens=True)
        return Generation(text=text, num_tokens=len(kept), truncated=end is None)
