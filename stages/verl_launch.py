"""What the two verl stage kinds share: device checks, `--` override routing, checkpoints, the merge.

Hand-off between training stages is always an HF directory merged from the stage's last verl
checkpoint, verified by loading its config and processor, and put in place by an atomic rename,
so a half-written merge can never be mistaken for a finished one.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from stages.base import Command, StageContext, StageError
from stages.subprocess_stage import fresh_partial, publish
from vision_r1.recipe.schema import Resources, VerlStage

CHECKPOINTS = "checkpoints"
MODEL = "model"
METRICS = "metrics"


def device_env(resources: Resources) -> dict[str, str]:
    """Environment a verl launch needs on the chosen device (the CPU plugin's switches on CPU)."""
    if resources.device == "cpu":
        from vision_r1.verl_cpu.launch import cpu_env

        return cpu_env()
    return {}


def check_device(resources: Resources, needs_vllm: bool, needs_flash_attn: bool = False) -> None:
    """Fail before launch when the requested GPUs, the vLLM rollout engine or flash-attn are not there."""
    if needs_vllm and importlib.util.find_spec("vllm") is None:
        install = "./install.sh gpu" if resources.device == "gpu" else "./install.sh cpu (vLLM's CPU build)"
        raise StageError(f"this stage rolls out with vLLM, which is not installed: {install}")
    if resources.device != "gpu":
        return
    # A multi-node cluster's GPUs are counted by Ray / torchrun, not here.
    if resources.nnodes == 1 and not resources.ray_address:
        available = _local_gpu_count()
        if resources.gpus_per_node > available:
            raise StageError(
                f"the recipe asks for {resources.gpus_per_node} GPUs per node but this machine has {available}; "
                "set resources.gpus_per_node, or resources.device=cpu for the CPU path"
            )
    if needs_flash_attn and importlib.util.find_spec("flash_attn") is None:
        raise StageError(
            "use_remove_padding=True makes verl's Qwen2-VL attention call flash-attn's varlen kernel, "
            "and flash-attn is not installed: ./install.sh gpu installs it"
        )


def _local_gpu_count() -> int:
    if shutil.which("nvidia-smi") is None:
        return 0
    listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=False)
    return sum(1 for line in listing.stdout.splitlines() if line.startswith("GPU "))


def route_cli_overrides(verl_args: list[str], sections: set[str]) -> list[str]:
    """Keep the `--` overrides whose top-level section exists in this trainer's config.

    `vision-r1 run R -- trainer.logger=[console,wandb]` reaches every verl stage, while
    `actor_rollout_ref.*` reaches only GRPO stages and `optim.*` only SFT stages.
    """
    routed = []
    for text in verl_args:
        section = text.lstrip("+~").split("=", 1)[0].split(".", 1)[0]
        if section in sections:
            routed.append(text)
    return routed


def unrouted_overrides(verl_args: list[str], all_sections: set[str]) -> list[str]:
    return [
        text for text in verl_args if text.lstrip("+~").split("=", 1)[0].split(".", 1)[0] not in all_sections
    ]


def removes_padding(overrides: list[str]) -> bool:
    """Whether the final `...model.use_remove_padding` override of a verl launch is true."""
    values = [
        value
        for key, _, value in (text.partition("=") for text in overrides)
        if key.endswith("model.use_remove_padding")
    ]
    return bool(values) and values[-1].strip().lower() == "true"


def pixel_budget_overrides(stage: VerlStage, key: str) -> list[str]:
    """A stage's `min_pixels`/`max_pixels` as verl overrides under `key` (a processor-kwargs mapping)."""
    if stage.max_pixels is None:
        return []
    return [f"+{key}.min_pixels={stage.min_pixels}", f"+{key}.max_pixels={stage.max_pixels}"]


def latest_checkpoint(checkpoint_dir: Path) -> int | None:
    """The step verl recorded in `latest_checkpointed_iteration.txt` (None before the first save)."""
    marker = checkpoint_dir / "latest_checkpointed_iteration.txt"
    try:
        return int(marker.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def metrics_file(ctx: StageContext, attempt: int) -> Path:
    """One metrics file per launch: verl's FileLogger truncates its file when it opens it."""
    return ctx.stage_dir / METRICS / f"attempt-{attempt:03d}.jsonl"


def python_module(module: str, args: list[str]) -> list[str]:
    return [sys.executable, "-m", module, *args]


def merge_to_hf(ctx: StageContext, shard_dir: Path) -> Path:
    """Merge FSDP shards into `<stage>/model` with verl's model merger, verify, then rename into place."""
    target = ctx.stage_dir / MODEL
    partial = fresh_partial(target)  # an interrupted merge is redone from the shards
    merge = Command(
        python_module(
            "verl.model_merger",
            ["merge", "--backend", "fsdp", "--local_dir", str(shard_dir), "--target_dir", str(partial)],
        ),
        env=device_env(ctx.resources),
    )
    ctx.run_command(merge)
    verify_hf_dir(partial)
    publish(partial, target)
    return target


def verify_hf_dir(directory: Path) -> None:
    """A hand-off directory must load its config and processor, as the next stage will."""
    from transformers import AutoConfig, AutoProcessor

    try:
        AutoConfig.from_pretrained(directory)
        AutoProcessor.from_pretrained(directory)
    except Exception as exc:
        raise StageError(f"merged model in {directory} does not load: {exc}") from None
    if not any(directory.glob("*.safetensors")):
        raise StageError(f"merged model in {directory} has no weights (*.safetensors)")
