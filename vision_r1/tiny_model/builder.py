"""Build a random-weight Qwen2.5-VL (a few MB) with a complete processor, offline and deterministic.

Every CPU test and the CPU demo run the real Qwen2.5-VL code paths (vision tower, M-RoPE, image
placeholders, chat template) on this model, so it keeps Qwen's architecture and token layout and
only shrinks the sizes.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import torch
from transformers import (
    PreTrainedTokenizerFast,
    Qwen2_5_VLConfig,
    Qwen2_5_VLForConditionalGeneration,
    Qwen2_5_VLProcessor,
    Qwen2VLImageProcessor,
    Qwen2VLVideoProcessor,
)

from vision_r1.tiny_model.tokenizer import build_tokenizer

# Pixel limits: an image becomes between 4 and 64 merged visual tokens (28x28 pixels each).
MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 64 * 28 * 28

TEXT_HIDDEN = 64
# Two query heads of 32 sharing one key/value head (grouped-query attention, as in Qwen): 32 is the
# smallest head size vLLM's CPU attention accepts (vllm/v1/attention/backends/cpu_attn.py).
TEXT_HEADS = 2
TEXT_KV_HEADS = 1
MROPE_SECTION = [4, 6, 6]  # sums to head_dim / 2 = 16, as Qwen's [16, 24, 24] does for head_dim 128


def _chat_template() -> str:
    return resources.files("vision_r1.tiny_model").joinpath("chat_template.jinja").read_text()


def _build_tokenizer(seed: int) -> PreTrainedTokenizerFast:
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(seed),
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        model_max_length=32768,
        extra_special_tokens={
            "image_token": "<|image_pad|>",
            "video_token": "<|video_pad|>",
            "vision_bos_token": "<|vision_start|>",
            "vision_eos_token": "<|vision_end|>",
        },
    )
    tokenizer.chat_template = _chat_template()
    return tokenizer


def _build_config(tokenizer: PreTrainedTokenizerFast) -> Qwen2_5_VLConfig:
    token_id = tokenizer.convert_tokens_to_ids
    # Unlike Qwen's padded embedding table, the vocabulary is exactly the tokenizer's: vLLM masks ids
    # past len(tokenizer), so padding rows would make its log-probs differ from the actor's on a
    # random model, hiding the rollout-vs-actor mismatch that flags a broken weight sync.
    text_config = {
        "vocab_size": len(tokenizer),
        "hidden_size": TEXT_HIDDEN,
        "intermediate_size": 2 * TEXT_HIDDEN,
        "num_hidden_layers": 2,
        "num_attention_heads": TEXT_HEADS,
        "num_key_value_heads": TEXT_KV_HEADS,
        "max_position_embeddings": 32768,
        "max_window_layers": 2,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 1_000_000.0,
            "mrope_section": MROPE_SECTION,
        },
        "bos_token_id": token_id("<|endoftext|>"),
        "eos_token_id": token_id("<|im_end|>"),
        "pad_token_id": token_id("<|endoftext|>"),
        "tie_word_embeddings": True,
    }
    vision_config = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": TEXT_HIDDEN,
        "fullatt_block_indexes": [1],
        "window_size": 112,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
    }
    return Qwen2_5_VLConfig(
        text_config=text_config,
        vision_config=vision_config,
        image_token_id=token_id("<|image_pad|>"),
        video_token_id=token_id("<|video_pad|>"),
        vision_start_token_id=token_id("<|vision_start|>"),
        vision_end_token_id=token_id("<|vision_end|>"),
        tie_word_embeddings=True,
        dtype="float32",
    )


def _build_processor(tokenizer: PreTrainedTokenizerFast) -> Qwen2_5_VLProcessor:
    pixel_limits = {"min_pixels": MIN_PIXELS, "max_pixels": MAX_PIXELS}
    image_processor = Qwen2VLImageProcessor(
        **pixel_limits, patch_size=14, merge_size=2, temporal_patch_size=2
    )
    video_processor = Qwen2VLVideoProcessor(
        **pixel_limits, patch_size=14, merge_size=2, temporal_patch_size=2
    )
    return Qwen2_5_VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=tokenizer.chat_template,
    )


def build_tiny_model(out_dir: str | Path, seed: int = 0) -> Path:
    """Write a loadable tiny Qwen2.5-VL (weights, config, generation config, processor) to `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _build_tokenizer(seed)
    config = _build_config(tokenizer)
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    text = config.text_config
    model.generation_config.eos_token_id = [text.eos_token_id, text.pad_token_id]
    model.generation_config.pad_token_id = text.pad_token_id
    model.generation_config.bos_token_id = text.bos_token_id
    model.save_pretrained(out)
    _build_processor(tokenizer).save_pretrained(out)
    (out / "tiny_model.json").write_text(json.dumps({"seed": seed, "builder": "vision-r1 tiny-model"}) + "\n")
    return out
