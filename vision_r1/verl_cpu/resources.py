"""Ray resource pools that ask for CPUs.

`verl/single_controller/ray/base.py` builds every resource pool with `use_gpu=True` and sizes it in
"GPUs". With the CPU platform's `ray_resource_name() == "CPU"` and `ray_resource_options()`
returning `num_cpus`, the placement-group bundles and worker actors already ask Ray for CPU slots
(one bundle `{"CPU": 1}` per "GPU", each colocated worker a fraction of it). Only the up-front
capacity check, `ResourcePoolManager._check_resource_available`, counts the `GPU`/`NPU` keys
alone, so it reports 0 available and refuses; it is replaced by the same check over `CPU`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from vision_r1.verl_cpu.patching import APPLIED_PATCHES, when_imported


def check_cpu_resources_available(self: Any) -> None:
    """`ResourcePoolManager._check_resource_available` counting Ray `CPU` slots (one per process)."""
    import ray

    available = sum(node.get("CPU", 0) for node in ray._private.state.available_resources_per_node().values())
    required = sum(sum(process_on_nodes) for process_on_nodes in self.resource_pool_spec.values())
    if available < required:
        raise ValueError(
            f"Ray has {available} CPU slots free but the resource pools {dict(self.resource_pool_spec)} need "
            f"{required}; raise ray_kwargs.ray_init.num_cpus (Ray CPU slots are logical, not cores)"
        )


def _patch_pool_check(ray_base: ModuleType) -> None:
    ray_base.ResourcePoolManager._check_resource_available = check_cpu_resources_available
    APPLIED_PATCHES["verl.single_controller.ray.base.ResourcePoolManager._check_resource_available"] = (
        "counts only GPU/NPU resources; CPU pools are sized in Ray CPU slots"
    )


def install() -> None:
    when_imported("verl.single_controller.ray.base", _patch_pool_check)
