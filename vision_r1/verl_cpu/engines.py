"""CPU entries in verl's `EngineRegistry` for the FSDP training engines.

`verl/workers/engine/fsdp/transformer_impl.py` registers `FSDPEngineWithLMHead` (policy/SFT) and
`FSDPEngineWithValueHead` (critic) for devices `cuda` and `npu` only, and
`EngineRegistry.get_engine_cls` looks engines up by the platform's device name. FSDP2 with gloo
runs on CPU unchanged, so the same classes are registered under `cpu` for `fsdp` and `fsdp2`.
"""

from __future__ import annotations

from types import ModuleType

from vision_r1.verl_cpu.patching import when_imported

FSDP_BACKENDS = ["fsdp", "fsdp2"]
CPU_DEVICE = "cpu"


def _register_fsdp_engines(transformer_impl: ModuleType) -> None:
    from verl.workers.engine.base import EngineRegistry

    for model_type, engine_cls in (
        ("language_model", transformer_impl.FSDPEngineWithLMHead),
        ("value_model", transformer_impl.FSDPEngineWithValueHead),
    ):
        registered = EngineRegistry._engines.get(model_type, {})
        if all(CPU_DEVICE in registered.get(backend, {}) for backend in FSDP_BACKENDS):
            continue
        EngineRegistry.register(model_type=model_type, backend=FSDP_BACKENDS, device=CPU_DEVICE)(engine_cls)


def install() -> None:
    # Registering needs the engine module, which pulls in transformers and FSDP; defer to its import.
    when_imported("verl.workers.engine.fsdp.transformer_impl", _register_fsdp_engines)
