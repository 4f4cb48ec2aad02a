"""Keep vLLM's CPU linear weights in place so verl can sync new weights into them after every step.

On CPU, `UnquantizedLinearMethod.process_weights_after_loading` (`vllm/model_executor/layers/linear.py`)
calls `dispatch_cpu_unquantized_gemm(layer, remove_weight=True)`
(`vllm/model_executor/layers/utils.py`): the weight is repacked for oneDNN and the parameter replaced
by an empty tensor. That is fine for serving a fixed model, but verl's weight sync
(`vllm_rollout/utils.py`, `model.load_weights`) then copies a `[out, in]` tensor into a `[0]`
parameter, the worker dies, and the trainer waits forever on the weight sender's socket.
Keeping the weight costs one extra copy of the linear weights in host memory; verl re-runs
`process_weights_after_loading` after each sync, which repacks from the fresh weights.
This runs inside vLLM's worker processes, which import verl (and with it this plugin) through
verl's worker extension.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from vision_r1.verl_cpu.patching import APPLIED_PATCHES, when_imported

PATCHED = "vllm.model_executor.layers.utils.dispatch_cpu_unquantized_gemm"


def _keep_weights(layer_utils: ModuleType) -> None:
    original = layer_utils.dispatch_cpu_unquantized_gemm
    if getattr(original, "keeps_weights", False):
        return

    def dispatch_keeping_weight(layer: Any, remove_weight: bool) -> None:
        original(layer, remove_weight=False)

    dispatch_keeping_weight.keeps_weights = True  # type: ignore[attr-defined]
    # linear.py imports the function inside the method at call time, so the module attribute is
    # the one place to change.
    layer_utils.dispatch_cpu_unquantized_gemm = dispatch_keeping_weight
    APPLIED_PATCHES[PATCHED] = "vLLM drops CPU linear weights after repacking; verl's weight sync needs them"


def install() -> None:
    when_imported("vllm.model_executor.layers.utils", _keep_weights)
