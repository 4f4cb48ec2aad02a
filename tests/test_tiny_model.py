"""The tiny model: loads back like a real Qwen2.5-VL, renders images in chat, generates, is deterministic."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

from vision_r1.tiny_model import build_tiny_model
from vision_r1.tiny_model.smoke import smoke_generate, smoke_image


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_loads_back_without_warnings(tiny_model_dir: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        processor = AutoProcessor.from_pretrained(tiny_model_dir)
        model = AutoModelForImageTextToText.from_pretrained(tiny_model_dir)
    assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    assert type(processor).__name__ == "Qwen2_5_VLProcessor"
    size = sum(p.stat().st_size for p in tiny_model_dir.iterdir())
    assert size < 5 * 1024 * 1024


def test_config_token_ids_match_tokenizer(tiny_model_dir: Path) -> None:
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    config = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).config
    ids = processor.tokenizer.convert_tokens_to_ids
    assert config.image_token_id == ids("<|image_pad|>")
    assert config.video_token_id == ids("<|video_pad|>")
    assert config.vision_start_token_id == ids("<|vision_start|>")
    assert config.vision_end_token_id == ids("<|vision_end|>")
    assert config.text_config.eos_token_id == ids("<|im_end|>") == processor.tokenizer.eos_token_id
    assert config.text_config.pad_token_id == ids("<|endoftext|>") == processor.tokenizer.pad_token_id
    # exactly the tokenizer's vocabulary: no padding rows for a rollout engine to mask
    assert config.text_config.vocab_size == len(processor.tokenizer)


def test_text_head_size_is_one_vllm_cpu_attention_accepts(tiny_model_dir: Path) -> None:
    text = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).config.text_config
    head_dim = text.hidden_size // text.num_attention_heads
    assert head_dim == 32
    assert text.num_attention_heads % text.num_key_value_heads == 0
    assert sum(text.rope_parameters["mrope_section"]) == head_dim // 2


def test_reasoning_tags_are_single_tokens_that_survive_decoding(tiny_model_dir: Path) -> None:
    tokenizer = AutoProcessor.from_pretrained(tiny_model_dir).tokenizer
    text = "<think>2 circles</think><answer>2</answer>"
    ids = tokenizer(text + "<|im_end|>").input_ids
    for tag in ("<think>", "</think>", "<answer>", "</answer>"):
        assert tokenizer.convert_tokens_to_ids(tag) in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == text


def test_chat_template_renders_images_like_qwen(tiny_model_dir: Path) -> None:
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Count."}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert prompt == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Count.<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    inputs = processor(text=[prompt], images=[smoke_image()], return_tensors="pt")
    grid = inputs["image_grid_thw"][0]
    expected_image_tokens = int(grid.prod()) // 4  # merge_size 2 x 2
    assert int((inputs["input_ids"] == processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")).sum()) == (
        expected_image_tokens
    )


def test_generates_from_image_and_text(tiny_model_dir: Path) -> None:
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    model = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).eval()
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What?"}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[prompt], images=[smoke_image()], return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=6, min_new_tokens=6, do_sample=False)
    assert out.shape[1] == inputs["input_ids"].shape[1] + 6
    assert smoke_generate(tiny_model_dir, max_new_tokens=4) == smoke_generate(
        tiny_model_dir, max_new_tokens=4
    )


def test_same_seed_same_files_other_seed_other_weights(tmp_path: Path, tiny_model_dir: Path) -> None:
    again = build_tiny_model(tmp_path / "again", seed=0)
    other = build_tiny_model(tmp_path / "other", seed=1)
    assert _digest(again) == _digest(tiny_model_dir)
    assert _digest(other)["model.safetensors"] != _digest(tiny_model_dir)["model.safetensors"]
