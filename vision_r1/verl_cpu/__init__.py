"""verl on CPU: a verl plugin that lets verl's own SFT and PPO/GRPO trainers run without a GPU.

verl imports this package in every process (`import verl` loads the `verl.plugins` entry point,
or `VERL_USE_EXTERNAL_MODULES=vision_r1.verl_cpu`). On every platform it repairs one verl 0.9.1 bug
that is not about the device (equal-length batches of Qwen2.5-VL position ids, `nested_positions`),
so GPU runs get the fix too. Everything else waits for `VERL_PLATFORM=cpu`: then it registers the
`cpu` platform and applies the CPU adaptations, each in its own module naming the verl code it
answers to. verl swallows plugin import errors at debug level, so a failure here is printed to
stderr before it propagates: a CPU run must never silently fall back to verl's `nvidia` default.
"""

from __future__ import annotations

import os
import sys
import traceback

from vision_r1.verl_cpu import nested_positions

PLATFORM_ENV = "VERL_PLATFORM"
PLATFORM_VALUE = "cpu"
# The Ray resource a CPU trainer rank asks for, as a GPU rank asks for "GPU" (see platform.py).
CPU_RANK_RESOURCE = "cpu_rank"


def cpu_platform_selected() -> bool:
    return os.environ.get(PLATFORM_ENV, "").strip().lower() == PLATFORM_VALUE


def _activate() -> None:
    from verl.plugin.platform import platform_manager

    from vision_r1.verl_cpu import (
        attention,
        distributed,
        engines,
        resources,
        rollout,
        vllm_distribution,
        vllm_weights,
    )
    from vision_r1.verl_cpu.platform import CPUPlatform

    if (
        platform_manager._current_platform is not None
        and platform_manager._current_platform.device_name != "cpu"
    ):
        platform_manager.set_platform(CPUPlatform())
    distributed.install()
    engines.install()
    attention.install()
    resources.install()
    rollout.install()
    vllm_distribution.install()
    vllm_weights.install()


nested_positions.install()
if cpu_platform_selected():
    try:
        _activate()
    except Exception:
        print("vision_r1.verl_cpu: activating the CPU platform failed:", file=sys.stderr)
        traceback.print_exc()
        raise
