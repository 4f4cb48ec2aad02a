"""Smoke generation: prove the model + processor + chat template + vision tower work end to end on CPU."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SMOKE_QUESTION = "How many red circles are in the image?"


def smoke_image() -> Image.Image:
    """A small picture with two red circles and a blue square, drawn in memory (no files, no network)."""
    image = Image.new("RGB", (112, 84), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 36, 36), fill="red")
    draw.ellipse((48, 40, 76, 68), fill="red")
    draw.rectangle((84, 10, 104, 30), fill="blue")
    return image


def smoke_generate(model_dir: str | Path, max_new_tokens: int = 16, seed: int = 0) -> str:
    """Generate a reply to an image + question with the chat template; returns the decoded text."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir).eval()
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": SMOKE_QUESTION}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[prompt], images=[smoke_image()], return_tensors="pt")
    torch.manual_seed(seed)
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=True, top_k=50)
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    return processor.decode(new_tokens, skip_special_tokens=False)
