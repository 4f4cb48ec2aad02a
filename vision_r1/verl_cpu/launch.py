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
from vision_r1.verl_cpu import CPU_RANK_RESOURCE, PLATFORM_ENV, PLATFORM_VALUE

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


# verl's FSDP engine torch.compiles its entropy function by default: on CPU, inductor's C++ build of
# it runs in the first step of every launch (a compiler and six probe processes, 15-20 s on 2 cores)
# and tells nothing about GPU kernels; the eager function computes the same values.
NO_COMPILE = "use_torch_compile=False"


def cpu_sft_overrides(nnodes: int = 1, ranks_per_node: int = 1) -> list[str]:
    """Hydra overrides for `torchrun -m verl.trainer.sft_trainer` on CPU (one rank per process).

    SDPA replaces flash-attention; multimodal SFT needs `no_padding` + remove-padding (verl's
    `MultiTurnSFTDataset` cannot right-pad image inputs); dataloader workers would only compete
    with the trainer for the few cores; no torch.compile (see `NO_COMPILE`).
    """
    return [
        "trainer.device=cpu",
        f"trainer.nnodes={nnodes}",
        f"trainer.n_gpus_per_node={ranks_per_node}",
        "engine.strategy=fsdp2",
        f"engine.{NO_COMPILE}",
        "+model.override_config.attn_implementation=sdpa",
        "model.use_remove_padding=True",
        "data.pad_mode=no_padding",
        "data.num_workers=0",
    ]


# Ray CPU slots are logical: the TransferQueue controller and storage unit hold one each, each trainer
# rank's placement-group bundle three (verl's max_colocate_count), and short-lived actors need one to
# be scheduled.
RAY_CPU_SLOTS = 8
SLOTS_PER_RANK = 3


def local_ray_cpu_slots(ranks: int) -> int:
    """Logical CPU slots a one-node Ray cluster needs for `ranks` trainer ranks (see RAY_CPU_SLOTS)."""
    return max(RAY_CPU_SLOTS, SLOTS_PER_RANK * ranks + 3)


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


def cpu_ppo_overrides(
    rollout: str = "hf", nnodes: int = 1, ranks_per_node: int = 1, ray_address: str | None = None
) -> list[str]:
    """Hydra overrides for `python -m verl.trainer.main_ppo` (GRPO/PPO) on CPU.

    Beyond the SFT ones (torch.compile off for the actor's and the reference's engines too): the
    rollout engine (`cpu_rollout_overrides`), one process per replica; one agent-loop worker, one
    reward worker, one TransferQueue storage unit instead of eight each (every one is a Ray process);
    Ray workers get `cpu_env()` through Ray's runtime env. Without `ray_address`, a fresh local Ray
    cluster without the dashboard that advertises `ranks_per_node` trainer ranks (`cpu_rank`); with
    it, the existing cluster there, whose nodes advertise their own
    (`ray start --resources='{"cpu_rank": N}'`). The overlong-prompt filter runs in the driver:
    verl's default forks a `datasets` pool after torch has started its threads, which can hang on a
    small host.
    """
    return [
        "trainer.device=cpu",
        f"trainer.nnodes={nnodes}",
        f"trainer.n_gpus_per_node={ranks_per_node}",
        "actor_rollout_ref.actor.strategy=fsdp2",
        "actor_rollout_ref.ref.strategy=fsdp2",
        f"actor_rollout_ref.actor.{NO_COMPILE}",
        f"actor_rollout_ref.actor.fsdp_config.{NO_COMPILE}",
        f"actor_rollout_ref.ref.fsdp_config.{NO_COMPILE}",
        "+actor_rollout_ref.model.override_config.attn_implementation=sdpa",
        "actor_rollout_ref.model.use_remove_padding=True",
        *cpu_rollout_overrides(rollout),
        "actor_rollout_ref.rollout.agent.num_workers=1",
        "reward.num_workers=1",
        "data.dataloader_num_workers=0",
        "data.filter_overlong_prompts_workers=0",
        "transfer_queue.backend.SimpleStorage.num_data_storage_units=1",
        *(
            local_ray_overrides(ranks_per_node)
            if ray_address is None
            else [ray_address_override(ray_address)]
        ),
        *job_env_overrides(cpu_env()),
    ]


def local_cluster_resources(ranks: int) -> tuple[int, dict[str, float]]:
    """CPU slots and resources of a one-node Ray cluster for `ranks` trainer ranks."""
    return local_ray_cpu_slots(ranks), {CPU_RANK_RESOURCE: ranks}


def local_ray_overrides(ranks: int) -> list[str]:
    """A fresh one-node Ray cluster for the launch: its CPU slots and trainer ranks, no dashboard."""
    num_cpus, resources = local_cluster_resources(ranks)
    return [
        f"ray_kwargs.ray_init.num_cpus={num_cpus}",
        *(f"+ray_kwargs.ray_init.resources.{name}={count}" for name, count in resources.items()),
        "+ray_kwargs.ray_init.include_dashboard=False",
        "+ray_kwargs.ray_init.address=local",
    ]


def ray_address_override(address: str) -> str:
    """Join the Ray cluster at `address` (quoted, so that Hydra keeps `host:port` one string)."""
    return f"+ray_kwargs.ray_init.address='{address}'"


def join_cluster_overrides(address: str) -> list[str]:
    """Turn a launch planned with its own local cluster (`local_ray_overrides`) into one that joins
    the running cluster at `address`: appended after the planned overrides (Hydra applies them in
    order); Ray refuses CPU counts and resources from a process that joins a cluster."""
    return [
        f"ray_kwargs.ray_init.address='{address}'",
        "ray_kwargs.ray_init.num_cpus=null",
        "~ray_kwargs.ray_init.resources",
    ]


def job_env_overrides(env: dict[str, str]) -> list[str]:
    """Give every Ray worker of the launch's job these variables (such as its clean-up marker and
    where verl's file logger writes): a worker started by a running cluster's raylet inherits the
    raylet's environment, not the launch's."""
    return [f"+ray_kwargs.ray_init.runtime_env.env_vars.{key}='{value}'" for key, value in env.items()]


def sft_command(overrides: list[str], python: str = sys.executable) -> list[str]:
    """verl's SFT entry point under torchrun, one rank (FSDP on one CPU process)."""
    return [python, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1",
            "-m", "verl.trainer.sft_trainer", *overrides]  # fmt: skip


def ppo_command(overrides: list[str], python: str = sys.executable) -> list[str]:
    """verl's PPO/GRPO entry point (it starts its own local Ray cluster)."""
    return [python, "-m", "verl.trainer.main_ppo", *overrides]
