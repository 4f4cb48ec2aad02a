"""Packed-sequence ("varlen") attention in pure PyTorch for verl's Qwen2-VL attention patch.

With `use_remove_padding=True` (which multimodal SFT needs, and RL uses for speed), verl replaces
the Qwen2/2.5-VL attention forward with `verl/models/transformers/qwen2_vl.py::qwen2_vl_attn_forward`.
That calls the module-level `_custom_flash_attention_forward`, which hands packed sequences to
flash-attn's `flash_attn_varlen_func` (split by the places where position ids restart at 0) and
reads `_flash_use_top_left_mask`, which only exists when flash-attn is installed. This module
supplies the same computation with `scaled_dot_product_attention`, one causal call per packed
sequence, and defines the missing global.
"""

from __future__ import annotations

import itertools
from types import ModuleType
from typing import Any

import torch
import torch.nn.functional as F

from vision_r1.verl_cpu.patching import replace_function, when_imported


def _segment_bounds(position_ids: torch.Tensor) -> list[int]:
    """Start offsets of the packed sequences in one row (a sequence starts where its position is 0)."""
    starts = (position_ids == 0).nonzero().view(-1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return [*starts, position_ids.numel()]


def varlen_sdpa_attention_forward(
    query_states: torch.Tensor,
    key_states: torch.Tensor,
    value_states: torch.Tensor,
    attention_mask: torch.Tensor | None,
    query_length: int,
    is_causal: bool = True,
    position_ids: torch.Tensor | None = None,
    sliding_window: int | None = None,
    use_top_left_mask: bool = False,
    deterministic: bool | None = None,
    **kwargs: Any,
) -> torch.Tensor:
    """Drop-in for `qwen2_vl._custom_flash_attention_forward`: (batch, seq, heads, dim) -> same shape.

    Each row is split into the sequences packed in it (position ids restarting at 0) and each
    sequence attends causally to itself only, exactly what `flash_attn_varlen_func` computes (verl
    has already repeated the kv heads for GQA).
    As in verl's flash-attn path, the sequence structure comes from the position ids, so the 4-D
    mask transformers builds for SDPA is not needed. verl reaches this function only with
    remove-padding (packed rows); a 2-D padding mask with padding, sliding windows and Ulysses
    sequence parallelism are refused rather than silently ignored.
    """
    if attention_mask is not None and attention_mask.dim() == 2 and not bool(attention_mask.all()):
        raise NotImplementedError("CPU varlen attention expects packed sequences (use_remove_padding=True)")
    if sliding_window is not None and key_states.shape[1] > sliding_window:
        raise NotImplementedError("CPU varlen attention does not implement sliding-window attention")
    from verl.utils.ulysses import get_ulysses_sequence_parallel_world_size

    if get_ulysses_sequence_parallel_world_size() > 1:
        raise NotImplementedError("CPU varlen attention does not implement Ulysses sequence parallelism")
    dropout = kwargs.get("dropout", 0.0)
    scale = kwargs.get("softmax_scale")
    output = torch.empty_like(query_states)
    for row in range(query_states.shape[0]):
        bounds = [0, query_states.shape[1]] if position_ids is None else _segment_bounds(position_ids[row])
        for start, end in itertools.pairwise(bounds):
            q, k, v = (t[row, start:end].transpose(0, 1) for t in (query_states, key_states, value_states))
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=is_causal, scale=scale)
            output[row, start:end] = out.transpose(0, 1)
    return output


def _patch_qwen2_vl(qwen2_vl: ModuleType) -> None:
    replace_function(
        qwen2_vl.__name__,
        "_custom_flash_attention_forward",
        varlen_sdpa_attention_forward,
        "flash_attn_varlen_func is CUDA-only; packed sequences run through per-sequence SDPA",
    )
    # Read as a global by `qwen2_vl_attn_forward`; verl defines it only when flash-attn imports.
    qwen2_vl._flash_use_top_left_mask = False


def install() -> None:
    when_imported("verl.models.transformers.qwen2_vl", _patch_qwen2_vl)
