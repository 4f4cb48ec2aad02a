"""Process groups on CPU: plain `gloo` instead of verl's `cpu:gloo,<device>:<backend>`.

`verl/utils/distributed.py` builds the backend string `f"cpu:gloo,{device}:{backend}"` inside
`initialize_global_process_group` (torchrun, SFT trainer) and `initialize_global_process_group_ray`
(Ray workers). On the CPU platform that is `cpu:gloo,cpu:gloo`, which torch rejects as a duplicate
device type. The string is not configurable, so both functions are replaced with versions that
differ only in the backend.
"""

from __future__ import annotations

import os
from datetime import timedelta

import torch.distributed

from vision_r1.verl_cpu.patching import replace_function

CPU_BACKEND = "gloo"


def initialize_global_process_group(timeout_second: int = 36000) -> tuple[int, int, int]:
    """`verl.utils.distributed.initialize_global_process_group` with the gloo backend (torchrun ranks)."""
    torch.distributed.init_process_group(
        backend=CPU_BACKEND,
        timeout=timedelta(seconds=timeout_second),
        init_method=os.environ.get("DIST_INIT_METHOD", None),
    )
    return int(os.environ["LOCAL_RANK"]), int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])


def initialize_global_process_group_ray(
    timeout_second: int | None = None, backend: str | None = None
) -> None:
    """`verl.utils.distributed.initialize_global_process_group_ray` defaulting to gloo (Ray workers)."""
    if torch.distributed.is_initialized():
        return
    torch.distributed.init_process_group(
        backend=backend or CPU_BACKEND,
        rank=int(os.environ.get("RANK", 0)),
        world_size=int(os.environ.get("WORLD_SIZE", 1)),
        timeout=timedelta(seconds=timeout_second) if timeout_second is not None else None,
        init_method=os.environ.get("DIST_INIT_METHOD", None),
    )


def install() -> None:
    reason = "backend string 'cpu:gloo,cpu:gloo' is rejected by torch; CPU uses plain gloo"
    replace_function(
        "verl.utils.distributed", "initialize_global_process_group", initialize_global_process_group, reason
    )
    replace_function(
        "verl.utils.distributed",
        "initialize_global_process_group_ray",
        initialize_global_process_group_ray,
        reason,
    )
