"""Constants and helpers shared by the preflight tests (a module of its own: `from conftest import`
would find whichever test folder's conftest came first on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vision_r1.preflight import Environment, PreflightReport

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "recipes"
BEFORE = Path(__file__).resolve().parent / "before_issue12"
TIB = 1 << 40

GPU_INSTALL = Environment(
    gpu_install=True, importable=frozenset({"vllm", "flash_attn"}), free_disk_bytes=16 * TIB
)

Preflight = Callable[..., PreflightReport]


def messages(report: PreflightReport, stage: str, check: str, severity: str) -> list[str]:
    return [
        f.message for f in report.stage(stage).findings if f.check == check and f.severity.value == severity
    ]
