"""A `torch.cuda`-shaped facade over the CPU, for the device-module calls verl makes.

verl reaches the accelerator through `verl.utils.device.get_torch_device()` (= the platform's
`device_module`) and calls memory stats, RNG state, streams, `synchronize`, `empty_cache` on it.
`torch.cpu` has the stream/synchronize half but none of the memory or RNG calls, so this facade
adds those with CPU meanings (process RSS for "allocated", the CPU generator for RNG state) and
hands every other attribute to `torch.cpu`.
"""

from __future__ import annotations

import resource
from typing import Any

import psutil
import torch


class CPUDeviceModule:
    """Stands in for `torch.cuda` when verl runs on the CPU platform."""

    def __getattr__(self, name: str) -> Any:
        return getattr(torch.cpu, name)

    # --- device selection (one logical device, "cpu") ---
    @staticmethod
    def is_available() -> bool:
        return True

    @staticmethod
    def device_count() -> int:
        return 1

    @staticmethod
    def current_device() -> str:
        return "cpu"

    @staticmethod
    def set_device(device: Any) -> None:
        """Ranks pass their local rank here; every rank lives on the one CPU device."""

    @staticmethod
    def get_device_name(device: Any = None) -> str:
        return "cpu"

    # --- memory: there is no device pool, so report the process and the host ---
    @staticmethod
    def empty_cache() -> None:
        """Nothing is cached on CPU."""

    @staticmethod
    def ipc_collect() -> None:
        """No CUDA IPC handles exist on CPU."""

    @staticmethod
    def set_per_process_memory_fraction(fraction: float, device: Any = None) -> None:
        """The CPU allocator has no pool to cap."""

    @staticmethod
    def mem_get_info(device: Any = None) -> tuple[int, int]:
        memory = psutil.virtual_memory()
        return memory.available, memory.total

    @staticmethod
    def memory_allocated(device: Any = None) -> int:
        return psutil.Process().memory_info().rss

    memory_reserved = memory_allocated

    @staticmethod
    def max_memory_allocated(device: Any = None) -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB

    max_memory_reserved = max_memory_allocated

    @staticmethod
    def reset_peak_memory_stats(device: Any = None) -> None:
        """Peak RSS cannot be reset; it stays the process-lifetime peak."""

    # --- RNG: the CPU generator is the device generator ---
    @staticmethod
    def get_rng_state(device: Any = None) -> torch.Tensor:
        return torch.get_rng_state()

    @staticmethod
    def set_rng_state(state: torch.Tensor, device: Any = None) -> None:
        torch.set_rng_state(state)

    @staticmethod
    def manual_seed(seed: int) -> None:
        torch.manual_seed(seed)

    manual_seed_all = manual_seed


cpu_device_module = CPUDeviceModule()
