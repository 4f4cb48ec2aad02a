"""Whether the GPU packages a stage will call import here.

- flash-attn: with `use_remove_padding=True` verl's Qwen2-VL attention (models/transformers/qwen2_vl.py)
  calls `flash_attn_varlen_func`, imported only when flash-attn is installed, so the first forward
  fails with a NameError without it; verl's model loading also defaults to `flash_attention_2`.
- vLLM: the GPU rollout (`rollout.name=vllm`) and the eval stage's vllm backend.
A CPU stage runs on this very machine, so it is checked here whatever the install: it needs vLLM (its
CPU build) for the same two uses and never flash-attn (the CPU plugin replaces the varlen kernel).
"""

from __future__ import annotations

from vision_r1.preflight.findings import Finding, error, ok, skipped
from vision_r1.preflight.settings import GrpoSettings
from vision_r1.preflight.view import StageView

CHECK = "packages"
WHY = {
    "flash_attn": "use_remove_padding=True makes verl's Qwen2-VL attention call flash-attn's varlen kernel",
    "vllm": "the stage generates with vLLM",
}


def needed_packages(view: StageView) -> list[str]:
    settings = view.settings
    needed = []
    if settings is not None and settings.remove_padding:
        needed.append("flash_attn")
    if isinstance(settings, GrpoSettings) and settings.rollout == "vllm":
        needed.append("vllm")
    if view.stage.kind == "eval" and view.stage.backend in ("vllm", "auto"):
        needed.append("vllm")
    return needed


def check_packages(view: StageView) -> list[Finding]:
    if not view.on_gpu:
        return _check_cpu_packages(view)
    needed = needed_packages(view)
    if not needed:
        return []
    environment = view.environment
    if not environment.gpu_install:
        return [
            skipped(CHECK, f"{', '.join(needed)} not checked: {environment.describe()}; run --dry-run in it")
        ]
    missing = [name for name in needed if name not in environment.importable]
    if missing:
        return [
            error(
                CHECK, f"{name} does not import here, and {WHY[name]}", "./install.sh gpu (it installs both)"
            )
            for name in missing
        ]
    return [ok(CHECK, f"{', '.join(needed)} import")]


def _check_cpu_packages(view: StageView) -> list[Finding]:
    if "vllm" not in needed_packages(view):
        return []
    if "vllm" not in view.environment.importable:
        return [
            error(
                CHECK, f"vllm does not import here, and {WHY['vllm']}", "./install.sh cpu (vLLM's CPU build)"
            )
        ]
    return [ok(CHECK, "vllm imports (the CPU stage runs here)")]
