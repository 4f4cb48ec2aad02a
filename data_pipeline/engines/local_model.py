"""Batched generation with a local HF model directory (a Qwen2.5-VL-style VLM or a text-only LM).

Shared by the `transformers` engine and the local test server, so the server's replies come from the
very code path the CPU default uses. Blocking by design: callers run it in a worker thread.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from data_pipeline.chat import ChatRequest, Completion, EngineFailure, ImagePart, Sampling

# Generation options a config may pass through `sampling.extra` to `model.generate`.
GENERATE_OPTIONS = frozenset({"top_k", "min_p", "repetition_penalty", "no_repeat_ngram_size"})


class LocalGenerator:
    def __init__(self, model_dir: str | Path, device: str = "cpu", dtype: str = "float32"):
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor

        config = AutoConfig.from_pretrained(model_dir)
        self.has_vision = getattr(config, "vision_config", None) is not None
        model_class = AutoModelForImageTextToText if self.has_vision else AutoModelForCausalLM
        self.model = model_class.from_pretrained(model_dir, dtype=getattr(torch, dtype)).to(device).eval()
        self.processor = AutoProcessor.from_pretrained(model_dir)
        self.tokenizer = getattr(self.processor, "tokenizer", self.processor)
        self.tokenizer.padding_side = "left"
        self.device = device
        generation = self.model.generation_config
        eos = generation.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        self.pad_id = (
            generation.pad_token_id if generation.pad_token_id is not None else self.tokenizer.pad_token_id
        )

    def _conversation(self, request: ChatRequest) -> list[dict[str, Any]]:
        messages = []
        for message in request.messages:
            if not self.has_vision:
                if message.images:
                    raise EngineFailure("unsupported_input", "a text-only model received an image")
                messages.append({"role": message.role, "content": message.text})
                continue
            content = [
                {"type": "image"} if isinstance(part, ImagePart) else {"type": "text", "text": part}
                for part in message.parts
            ]
            messages.append({"role": message.role, "content": content})
        return messages

    def _inputs(self, requests: list[ChatRequest]) -> Any:
        from PIL import Image

        prompts = [
            self.processor.apply_chat_template(
                self._conversation(r), add_generation_prompt=True, tokenize=False
            )
            for r in requests
        ]
        images = [
            Image.open(io.BytesIO(data)).convert("RGB")
            for r in requests
            for m in r.messages
            for data in m.images
        ]
        if not self.has_vision:
            return self.tokenizer(prompts, padding=True, return_tensors="pt")
        return self.processor(text=prompts, images=images or None, padding=True, return_tensors="pt")

    def generate(self, requests: list[ChatRequest], sampling: Sampling, seed: int) -> list[Completion]:
        """Generate for a batch that shares `sampling`; reproducible for the same batch and seed."""
        import torch

        inputs = self._inputs(requests).to(self.device)
        options = {key: value for key, value in sampling.extra.items() if key in GENERATE_OPTIONS}
        unknown = sorted(set(sampling.extra) - GENERATE_OPTIONS)
        if unknown:
            raise EngineFailure("unsupported_sampling", f"transformers engine cannot use {unknown}")
        if sampling.temperature > 0:
            options.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p)
        else:
            options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        torch.manual_seed(seed)
        with torch.no_grad():
            output = self.model.generate(
                **inputs, max_new_tokens=sampling.max_tokens, pad_token_id=self.pad_id, **options
            )
        prompt_length = inputs["input_ids"].shape[1]
        completions = []
        for row, prompt_mask in zip(
            output[:, prompt_length:].tolist(), inputs["attention_mask"], strict=True
        ):
            stop = next((i for i, token in enumerate(row) if token in self.eos_ids), None)
            tokens = row if stop is None else row[:stop]
            completions.append(
                Completion(
                    content=self.tokenizer.decode(tokens, skip_special_tokens=True),
                    finish_reason="length" if stop is None else "stop",
                    prompt_tokens=int(prompt_mask.sum()),
                    completion_tokens=len(tokens) + (0 if stop is None else 1),
                )
            )
        return completions
