"""CPU entries in verl's `EngineRegistry` for the FSDP training engines.

`verl/workers/engine/fsdp/transformer_impl.py` registers `FSDPEngineWithLMHead` (policy/SFT) and
`FSDPEngineWithValueHead` (critic) for devices `cuda` and `npu` only, and
`EngineRegistry.get_engine_cls` looks engines up by the platform's device name. FSDP2 with gloo
runs on CPU unchanged, so the same classes are registered under `cpu` for `fsdp` and `fsdp2`.

One more line of that module assumes CUDA: `FSDPEngine._build_fsdp_module` gives forward-only
engines (the reference policy) `CPUOffloadPolicy(pin_memory=True)`, and pinning host memory needs a
CUDA driver. On CPU the "offload" is a no-op move anyway, so the module's `CPUOffloadPolicy` name
is pointed at a variant that never pins.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from vision_r1.verl_cpu.patching import APPLIED_PATCHES, when_imported

FSDP_BACKENDS = ["fsdp", "fsdp2"]
CPU_DEVICE = "cpu"


def unpinned_cpu_offload_policy(pin_memory: bool = False) -> Any:
    """Stands in for `CPUOffloadPolicy(...)` in the engine module: same policy, never pinned."""
    from torch.distributed.fsdp import CPUOffloadPolicy

    return CPUOffloadPolicy(pin_memory=False)


def _adapt_fsdp_engine_module(transformer_impl: ModuleType) -> None:
    _register_fsdp_engines(transformer_impl)
    transformer_impl.CPUOffloadPolicy = unpinned_cpu_offload_policy
    APPLIED_PATCHES["verl.workers.engine.fsdp.transformer_impl.CPUOffloadPolicy"] = (
        "forward-only engines pin offloaded params, which needs CUDA; CPU runs never pin"
    )


def _register_fsdp_engines(transformer_impl: ModuleType) -> None:
    from verl.workers.engine.base import EngineRegistry

    for model_type, engine_cls in (
        ("language_model", transformer_impl.FSDPEngineWithLMHead),
        ("value_model", transformer_impl.FSDPEngineWithValueHead),
    ):
        registered = EngineRegistry._engines.get(model_type, {})
        # Skip if verl registers CPU itself one day (its registry asserts on duplicates).
        if all(CPU_DEVICE in registered.get(backend, {}) for backend in FSDP_BACKENDS):
            continue
        EngineRegistry.register(model_type=model_type, backend=FSDP_BACKENDS, device=CPU_DEVICE)(engine_cls)


def install() -> None:
    # Registering needs the engine module, which pulls in transformers and FSDP; defer to its import.
    when_imported("verl.workers.engine.fsdp.transformer_impl", _adapt_fsdp_engine_module)
