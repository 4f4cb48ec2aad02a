"""The `cpu` platform for verl's platform registry (`verl/plugin/platform/platform_base.py`).

verl resolves its device once per process through `get_platform()`: without a registered `cpu`
platform it falls back to `nvidia` and asks for NCCL and CUDA. This class answers every question
`PlatformBase` asks with the CPU's answer: device `cpu`, backend `gloo`, Ray resource `cpu_rank`.

`cpu_rank` is the CPU counterpart of a GPU: one per trainer rank a node hosts, advertised by the node
(`ray start --resources='{"cpu_rank": N}'`, or `ray_init.resources` for a local cluster). verl builds
one placement group per node with one bundle per rank; with GPUs the bundles' GPU count puts each group
on its own node, and `cpu_rank` does the same on CPUs (Ray's logical CPU slots are shared by every
actor, so counting those alone could pack two nodes' ranks onto one).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any

import torch
from verl.plugin.platform import PlatformBase, PlatformRegistry

from vision_r1.verl_cpu import CPU_RANK_RESOURCE
from vision_r1.verl_cpu.device_module import cpu_device_module

PLATFORM_NAME = "cpu"
KV_CACHE_ENV = "VLLM_CPU_KVCACHE_SPACE"  # GiB, read by vLLM's CPU platform
DEFAULT_KV_CACHE_GIB = "1"


@PlatformRegistry.register(platform=PLATFORM_NAME)
class CPUPlatform(PlatformBase):
    """verl on the host CPU: one logical device per process, gloo collectives, Ray CPU slots."""

    @property
    def device_name(self) -> str:
        return "cpu"

    @property
    def vendor_name(self) -> str:
        return "cpu"

    @property
    def device_module(self) -> Any:
        return cpu_device_module

    def is_available(self) -> bool:
        return True

    def is_platform_available(self, use_smi_check: bool = False) -> bool:
        # Never win verl's auto-detection: the CPU platform is used only when chosen with VERL_PLATFORM=cpu.
        return False

    def current_device(self) -> str:  # type: ignore[override]
        # verl passes this to `.to(device=...)`, `torch.device(...)` and FSDP's `device_id=`;
        # an int would mean `cuda:N` there, the string means the CPU.
        return "cpu"

    def device_count(self) -> int:
        return 1

    def set_device(self, device_index: int) -> None:
        """Every rank uses the same CPU device."""

    def synchronize(self, device_index: int | None = None) -> None:
        """CPU ops are synchronous."""

    def manual_seed(self, seed: int) -> None:
        torch.manual_seed(seed)

    def manual_seed_all(self, seed: int) -> None:
        torch.manual_seed(seed)

    def set_allocator_settings(self, settings: str) -> None:
        """verl toggles CUDA's expandable segments; the CPU allocator has no such setting."""

    def empty_cache(self) -> None:
        """Nothing is cached on CPU."""

    def get_device_capability(self, device_index: int = 0) -> tuple[int | None, int | None]:
        return None, None

    def communication_backend_name(self) -> str:
        return "gloo"

    def visible_devices_envvar(self) -> str:
        # verl's Worker copies this variable between processes; a name no runtime reads keeps it inert.
        return "VERL_CPU_VISIBLE_DEVICES"

    @contextmanager
    def nvtx_range(self, msg: str):
        yield

    def profiler_start(self) -> None:
        """No device profiler on CPU."""

    def profiler_stop(self) -> None:
        """No device profiler on CPU."""

    def ray_resource_name(self) -> str:
        return CPU_RANK_RESOURCE

    def ray_resource_options(self, num_gpus: float) -> dict[str, Any]:
        # `RayClassWithInitArgs.__call__` asks for `num_gpus` devices per worker; on CPU a worker takes
        # the same share of its bundle's rank and of a CPU slot.
        return {"num_cpus": num_gpus, "resources": {CPU_RANK_RESOURCE: num_gpus}}

    def ray_noset_envvars(self) -> list[str]:
        return []

    def is_ipc_supported(self) -> bool:
        return False

    def cudart(self) -> Any:
        return None

    def rollout_env_vars(self) -> dict[str, str]:
        # Without it vLLM's CPU build reserves gpu_memory_utilization x host RAM for its KV cache
        # and refuses to start; the tiny model's rollouts need far less than 1 GiB.
        return {KV_CACHE_ENV: os.environ.get(KV_CACHE_ENV) or DEFAULT_KV_CACHE_GIB}
