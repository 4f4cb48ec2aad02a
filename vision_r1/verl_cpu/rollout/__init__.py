"""The rollout backends of a CPU run: `hf` (transformers `generate`) and verl's own `vllm`.

verl resolves a rollout backend twice by name: the replica through
`verl.workers.rollout.replica.RolloutReplicaRegistry` (an extension point) and the in-worker
server adapter through the `_ROLLOUT_REGISTRY` dict of `verl/workers/rollout/base.py`
(`get_rollout_class`), which has no registration function, so the entry is added to the dict.
`hf` is new on both sides. For `vllm` only the replica is replaced (its server launch looks up GPU
ids); verl's own server adapter and weight transfer are used as they are.
"""

from __future__ import annotations

from types import ModuleType

from vision_r1.verl_cpu.patching import when_imported

ROLLOUT_NAME = "hf"
VLLM_ROLLOUT_NAME = "vllm"
ADAPTER_PATH = "vision_r1.verl_cpu.rollout.replica.HFServerAdapter"


def _load_replica() -> type:
    from vision_r1.verl_cpu.rollout.replica import HFReplica

    return HFReplica


def _load_vllm_replica() -> type:
    from vision_r1.verl_cpu.rollout.vllm_replica import CPUvLLMReplica

    return CPUvLLMReplica


def _register_replica(replica_module: ModuleType) -> None:
    replica_module.RolloutReplicaRegistry.register(ROLLOUT_NAME, _load_replica)
    replica_module.RolloutReplicaRegistry.register(VLLM_ROLLOUT_NAME, _load_vllm_replica)


def _register_adapter(base_module: ModuleType) -> None:
    base_module._ROLLOUT_REGISTRY[(ROLLOUT_NAME, "async")] = ADAPTER_PATH


def install() -> None:
    # Both registries live in modules most plugin-loading processes never import; wait for them.
    when_imported("verl.workers.rollout.replica", _register_replica)
    when_imported("verl.workers.rollout.base", _register_adapter)
