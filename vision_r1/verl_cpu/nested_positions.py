"""Equal-length batches of Qwen2.5-VL M-RoPE position ids, read back from TransferQueue.

The v1 trainer stores each sample's `(4, seq_len)` position ids in TransferQueue, which packs a
batch with `torch.nested.as_nested_tensor(..., layout=torch.jagged)`. torch picks the ragged
dimension itself: with differing lengths it is the sequence dimension (`_ragged_idx == 2`), but when
every sample has the same length it picks the first one (`_ragged_idx == 1`, components seen as
`(j, seq_len)`). `verl/utils/tensordict_utils.py::maybe_fix_3d_position_ids` then sets
`_ragged_idx = 2` unconditionally, which reinterprets the buffer and crashes the forward with a
rotary-embedding shape mismatch. Tiny CPU runs hit this every time all responses reach the length
limit; on GPU a micro-batch of equal prompt lengths whose responses all hit `max_response_length`
(common in the 4K PTST stage) does the same. The replacement rebuilds such a tensor along the
sequence dimension first. Nothing here depends on the device, so the plugin installs it on every
platform (the `when_imported` hook costs nothing in processes that never load the module).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from vision_r1.verl_cpu.patching import replace_function, when_imported


def maybe_fix_3d_position_ids(data: Any) -> None:
    """`maybe_fix_3d_position_ids` that also repairs batches whose samples all have one length."""
    from verl.utils.tensordict_utils import nested_tensor_from_tensor_list

    position_ids = data.get("position_ids", None)
    if position_ids is None or position_ids.dim() != 3 or not position_ids.is_nested:
        return
    if position_ids._ragged_idx == 1:  # equal lengths: torch made the M-RoPE axis ragged
        data["position_ids"] = nested_tensor_from_tensor_list(list(position_ids.unbind(0)), ragged_idx=2)
    else:
        position_ids._ragged_idx = 2  # verl's own fix for the pickling case


def _patch(tensordict_utils: ModuleType) -> None:
    replace_function(
        tensordict_utils.__name__,
        "maybe_fix_3d_position_ids",
        maybe_fix_3d_position_ids,
        "forcing _ragged_idx=2 corrupts equal-length batches of 3-D position ids",
    )


def install() -> None:
    when_imported("verl.utils.tensordict_utils", _patch)
