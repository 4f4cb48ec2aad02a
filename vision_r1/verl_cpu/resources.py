"""Ray resource pools that ask for CPU trainer ranks.

`verl/single_controller/ray/base.py` builds every resource pool with `use_gpu=True` and sizes it in
"GPUs". With the CPU platform's `ray_resource_name() == "cpu_rank"` and `ray_resource_options()`
asking for that resource (and a CPU slot), the placement-group bundles and worker actors already ask
Ray for ranks (one bundle `{"CPU": ..., "cpu_rank": 1}` per "GPU", each colocated worker a fraction
of it). Only the up-front capacity check, `ResourcePoolManager._check_resource_available`, counts
the `GPU`/`NPU` keys alone, so it reports 0 available and refuses; it is replaced by the same check
over `cpu_rank`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from vision_r1.verl_cpu import CPU_RANK_RESOURCE
from vision_r1.verl_cpu.patching import APPLIED_PATCHES, when_imported


def check_cpu_resources_available(self: Any) -> None:
    """`ResourcePoolManager._check_resource_available` counting the `cpu_rank` resource (one per rank)."""
    import ray

    per_node = ray._private.state.available_resources_per_node().values()
    available = sum(node.get(CPU_RANK_RESOURCE, 0) for node in per_node)
    required = sum(sum(process_on_nodes) for process_on_nodes in self.resource_pool_spec.values())
    if available < required:
        raise ValueError(
            f"Ray has {available} {CPU_RANK_RESOURCE} free but the resource pools {dict(self.resource_pool_spec)} "
            f"need {required}; every node advertises its trainer ranks as `{CPU_RANK_RESOURCE}` "
            f"(ray start --resources='{{\"{CPU_RANK_RESOURCE}\": N}}', or ray_kwargs.ray_init.resources)"
        )


def _patch_pool_check(ray_base: ModuleType) -> None:
    ray_base.ResourcePoolManager._check_resource_available = check_cpu_resources_available
    APPLIED_PATCHES["verl.single_controller.ray.base.ResourcePoolManager._check_resource_available"] = (
        "counts only GPU/NPU resources; CPU pools are sized in cpu_rank resources"
    )


def install() -> None:
    when_imported("verl.single_controller.ray.base", _patch_pool_check)
