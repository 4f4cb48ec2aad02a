"""Model shapes the preflight reasons with: head counts, widths, vocabulary, the image processor's budget.

A local model folder is read from its own `config.json` (flat Qwen2.5-VL layout or transformers 5's
`text_config`) and processor config. A hub id cannot be read on a CPU machine without downloading,
so the Qwen2.5-VL sizes are shipped as a table; any other hub id has an unknown shape and the
checks that need it say so instead of guessing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Qwen2.5-VL's preprocessor_config.json: 4 to 16384 visual tokens of 28x28 pixels per image.
QWEN_MIN_PIXELS = 3136
QWEN_MAX_PIXELS = 12845056


@dataclass(frozen=True)
class VisionShape:
    depth: int
    hidden: int
    heads: int
    intermediate: int | None  # None where the table does not know it; that TP check is then skipped
    patch: int = 14
    merge: int = 2

    @property
    def pixels_per_token(self) -> int:
        """One visual token per merged patch: (14 x 2)^2 = 784 pixels for Qwen2.5-VL."""
        return (self.patch * self.merge) ** 2

    def parameters(self, text_hidden: int) -> int:
        mlp = self.intermediate or (8 * self.hidden) // 3  # width only matters for the count here
        per_block = 4 * self.hidden * self.hidden + 3 * self.hidden * mlp
        merged = self.hidden * self.merge**2
        return (
            self.depth * per_block
            + merged * merged
            + merged * text_hidden
            + 3 * 2 * self.patch**2 * self.hidden
        )


@dataclass(frozen=True)
class ModelShape:
    source: str  # where the numbers came from, printed with every check that uses them
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    tied_embeddings: bool
    max_positions: int
    vision: VisionShape | None
    min_pixels: int = QWEN_MIN_PIXELS  # the processor's own image budget
    max_pixels: int = QWEN_MAX_PIXELS

    @property
    def layer_parameters(self) -> int:
        attention = self.hidden * self.head_dim * (2 * self.heads + 2 * self.kv_heads)
        return attention + 3 * self.hidden * self.intermediate

    @property
    def embedding_parameters(self) -> int:
        """Input embedding plus output head: the part FSDP keeps in its root unit."""
        return self.vocab * self.hidden * (1 if self.tied_embeddings else 2)

    @property
    def parameters(self) -> int:
        vision = self.vision.parameters(self.hidden) if self.vision else 0
        return self.layers * self.layer_parameters + self.embedding_parameters + vision

    def visual_tokens(self, pixels: int) -> int:
        """Tokens one image of `pixels` pixels becomes (the processor rounds to 28-pixel multiples)."""
        per_token = self.vision.pixels_per_token if self.vision else 784
        return max(1, pixels // per_token)

    def kv_bytes_per_token(self, tensor_parallel: int) -> int:
        """bf16 K and V of every layer for one token, on one GPU of a tensor-parallel group."""
        kv_heads_per_gpu = max(1, self.kv_heads // tensor_parallel)
        return 2 * self.layers * kv_heads_per_gpu * self.head_dim * 2


def _qwen25_vl(size: str, layers: int, hidden: int, heads: int, kv: int, mlp: int, vocab: int) -> ModelShape:
    # The vision tower's MLP width is 3420 in the 3B and 7B config.json; not shipped for larger sizes.
    vision_mlp = 3420 if size in ("3B", "7B") else None
    return ModelShape(
        source=f"the shipped table of Qwen2.5-VL sizes ({size})",
        layers=layers,
        hidden=hidden,
        heads=heads,
        kv_heads=kv,
        head_dim=hidden // heads,
        intermediate=mlp,
        vocab=vocab,
        tied_embeddings=size == "3B",
        max_positions=128000,
        vision=VisionShape(depth=32, hidden=1280, heads=16, intermediate=vision_mlp),
    )


QWEN25_VL = {
    "3b": _qwen25_vl("3B", 36, 2048, 16, 2, 11008, 151936),
    "7b": _qwen25_vl("7B", 28, 3584, 28, 4, 18944, 152064),
    "32b": _qwen25_vl("32B", 64, 5120, 40, 8, 27648, 152064),
    "72b": _qwen25_vl("72B", 80, 8192, 64, 8, 29568, 152064),
}
_QWEN25_VL_ID = re.compile(r"qwen2\.5-vl-(\d+b)", re.IGNORECASE)


def shape_from_folder(folder: Path) -> ModelShape | None:
    """The shape in `folder/config.json`, with the processor's pixel budget when its config is there."""
    config_file = folder / "config.json"
    if not config_file.is_file():
        return None
    config = json.loads(config_file.read_text())
    text = {**config, **config.get("text_config", {})}
    vision = config.get("vision_config")
    min_pixels, max_pixels = _processor_budget(folder)
    return ModelShape(
        source=f"{config_file}",
        layers=text["num_hidden_layers"],
        hidden=text["hidden_size"],
        heads=text["num_attention_heads"],
        kv_heads=text.get("num_key_value_heads", text["num_attention_heads"]),
        head_dim=text.get("head_dim") or text["hidden_size"] // text["num_attention_heads"],
        intermediate=text["intermediate_size"],
        vocab=text["vocab_size"],
        tied_embeddings=bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False))),
        max_positions=text.get("max_position_embeddings", 32768),
        vision=_vision_shape(vision) if vision else None,
        min_pixels=min_pixels,
        max_pixels=max_pixels,
    )


def _vision_shape(vision: dict[str, Any]) -> VisionShape:
    return VisionShape(
        depth=vision["depth"],
        hidden=vision.get("hidden_size") or vision["embed_dim"],
        heads=vision["num_heads"],
        intermediate=vision.get("intermediate_size"),
        patch=vision.get("patch_size", 14),
        merge=vision.get("spatial_merge_size", 2),
    )


def _processor_budget(folder: Path) -> tuple[int, int]:
    """(min_pixels, max_pixels) from preprocessor_config.json (hub layout) or processor_config.json."""
    for name, section in (("preprocessor_config.json", None), ("processor_config.json", "image_processor")):
        path = folder / name
        if not path.is_file():
            continue
        config = json.loads(path.read_text())
        config = config.get(section, {}) if section else config
        size = config.get("size") or {}
        low = config.get("min_pixels") or size.get("shortest_edge")
        high = config.get("max_pixels") or size.get("longest_edge")
        if low and high:
            return int(low), int(high)
    return QWEN_MIN_PIXELS, QWEN_MAX_PIXELS


def shape_of(model: str) -> ModelShape | None:
    """A local folder's own config, else the table entry for a Qwen2.5-VL hub id, else None."""
    folder = Path(model)
    if folder.is_dir():
        return shape_from_folder(folder)
    match = _QWEN25_VL_ID.search(model)
    return QWEN25_VL.get(match.group(1).lower()) if match else None
