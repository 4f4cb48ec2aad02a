"""What a CPU launch of verl's trainers adds: environment variables and Hydra overrides.

The stage runner (and the e2e tests, and `benchmarks/verl_cpu.py`) launch the very same verl entry
points as on GPU. For a CPU recipe they add `cpu_env()` to the launched process's environment and
append `cpu_sft_overrides()` / `cpu_ppo_overrides()` to the Hydra overrides; everything else in a
recipe stays as it is. Overrides given later on the command line win, so a recipe can still tune
any of these values.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import vision_r1
from vision_r1.verl_cpu import PLATFORM_ENV, PLATFORM_VALUE

PLUGIN_MODULE = "vision_r1.verl_cpu"
EXTERNAL_MODULES_ENV = "VERL_USE_EXTERNAL_MODULES"


def _package_root() -> str:
    """The directory that holds the `vision_r1` package, so child processes import this very copy."""
    return str(Path(vision_r1.__file__).resolve().parent.parent)


def cpu_env() -> dict[str, str]:
    """Environment variables to set (over `os.environ`) for a CPU launch of sft_trainer or main_ppo.

    - `VERL_PLATFORM=cpu` selects the plugin's platform; `VERL_USE_EXTERNAL_MODULES` loads the
      plugin even where the installed package metadata lacks its `verl.plugins` entry point.
    - `PYTHONPATH` starts with this package's root so torchrun ranks and Ray workers import it.
    - `CUDA_VISIBLE_DEVICES=""` keeps a GPU host's devices out of a CPU run.
    - `TOKENIZERS_PARALLELISM=false` stops tokenizer thread pools from oversubscribing small hosts.
    """
    external = [m for m in os.environ.get(EXTERNAL_MODULES_ENV, "").split(",") if m and m != PLUGIN_MODULE]
    python_path = [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != _package_root()
    ]
    return {
        PLATFORM_ENV: PLATFORM_VALUE,
        EXTERNAL_MODULES_ENV: ",".join([PLUGIN_MODULE, *external]),
        "PYTHONPATH": os.pathsep.join([_package_root(), *python_path]),
        "CUDA_VISIBLE_DEVICES": "",
        "TOKENIZERS_PARALLELISM": "false",
    }


def cpu_sft_overrides() -> list[str]:
    """Hydra overrides for `torchrun -m verl.trainer.sft_trainer` on CPU (one rank per process).

    SDPA replaces flash-attention; multimodal SFT needs `no_padding` + remove-padding (verl's
    `MultiTurnSFTDataset` cannot right-pad image inputs); dataloader workers would only compete
    with the trainer for the few cores. verl's `torch.compile` of its entropy function is off: on
    CPU, inductor builds C++ kernels for it, about 15 s of the first step on 2 cores, for nothing
    a tiny model needs.
    """
    return [
        "trainer.device=cpu",
        "trainer.nnodes=1",
        "trainer.n_gpus_per_node=1",
        "engine.strategy=fsdp2",
        "+model.override_config.attn_implementation=sdpa",
        "model.use_remove_padding=True",
        "data.pad_mode=no_padding",
        "data.num_workers=0",
        "engine.use_torch_compile=False",
    ]


# Ray CPU slots are logical: the TransferQueue controller and storage unit hold one each, the
# trainer's resource pool one per rank, and short-lived actors need one to be scheduled.
RAY_CPU_SLOTS = 8


# `hf`: the plugin's transformers rollout; `vllm`: verl's own vLLM rollout on vLLM's CPU build.
CPU_ROLLOUTS = ("hf", "vllm")


def cpu_rollout_overrides(rollout: str) -> list[str]:
    """The rollout engine's settings: its name and one process per replica; for vLLM no sleep mode
    (vLLM's CPU platform has none; verl turns it on by default) and eager mode (torch.compile of the
    model costs about a minute of start-up on 2 cores and tells nothing about GPU kernels)."""
    if rollout not in CPU_ROLLOUTS:
        raise ValueError(f"unknown CPU rollout {rollout!r}; choose one of {', '.join(CPU_ROLLOUTS)}")
    overrides = [
        f"actor_rollout_ref.rollout.name={rollout}",
        "actor_rollout_ref.rollout.tensor_model_parallel_size=1",
    ]
    if rollout == "vllm":
        overrides += [
            "+actor_rollout_ref.rollout.enable_sleep_mode=False",
            "actor_rollout_ref.rollout.enforce_eager=True",
        ]
    return overrides


def cpu_ppo_overrides(rollout: str = "hf") -> list[str]:
    """Hydra overrides for `python -m verl.trainer.main_ppo` (GRPO/PPO) on CPU, one trainer rank.

    Beyond the SFT ones (torch.compile off for the actor's and the reference's engines too): the
    rollout engine (`cpu_rollout_overrides`), one
    process per replica; one agent-loop worker, one reward worker, one TransferQueue storage unit
    instead of eight each (every one is a Ray process); a fresh local Ray cluster without the
    dashboard, whose workers get `cpu_env()` through Ray's runtime env. The overlong-prompt filter
    runs in the driver: verl's default forks a `datasets` pool after torch has started its threads,
    which can hang on a small host.
    """
    ray_env = [
        f"+ray_kwargs.ray_init.runtime_env.env_vars.{key}='{value}'" for key, value in cpu_env().items()
    ]
    return [
        "trainer.device=cpu",
        "trainer.nnodes=1",
        "trainer.n_gpus_per_node=1",
        "actor_rollout_ref.actor.strategy=fsdp2",
        "actor_rollout_ref.ref.strategy=fsdp2",
        "+actor_rollout_ref.model.override_config.attn_implementation=sdpa",
        "actor_rollout_ref.model.use_remove_padding=True",
        *cpu_rollout_overrides(rollout),
        "actor_rollout_ref.rollout.agent.num_workers=1",
        "actor_rollout_ref.actor.fsdp_config.use_torch_compile=False",
        "actor_rollout_ref.ref.fsdp_config.use_torch_compile=False",
        "reward.num_workers=1",
        "data.dataloader_num_workers=0",
        "data.filter_overlong_prompts_workers=0",
        "transfer_queue.backend.SimpleStorage.num_data_storage_units=1",
        f"ray_kwargs.ray_init.num_cpus={RAY_CPU_SLOTS}",
        "+ray_kwargs.ray_init.include_dashboard=False",
        "+ray_kwargs.ray_init.address=local",
        *ray_env,
    ]


def sft_command(overrides: list[str], python: str = sys.executable) -> list[str]:
    """verl's SFT entry point under torchrun, one rank (FSDP on one CPU process)."""
    return [python, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1",
            "-m", "verl.trainer.sft_trainer", *overrides]  # fmt: skip


def ppo_command(overrides: list[str], python: str = sys.executable) -> list[str]:
    """verl's PPO/GRPO entry point (it starts its own local Ray cluster)."""
    return [python, "-m", "verl.trainer.main_ppo", *overrides]
