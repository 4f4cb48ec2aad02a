"""The numbers of a verl launch that the checks reason about, read from the composed verl config.

Reading the composed config (verl's defaults + the stage's overrides + the recipe's `verl_overrides`
+ the command line's) rather than the recipe means the preflight sees exactly what verl will see,
whichever layer set a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

_DTYPE_BYTES = {"fp32": 4, "float32": 4, "bf16": 2, "bfloat16": 2, "fp16": 2, "float16": 2}


def _get(config: DictConfig, key: str, default: Any = None) -> Any:
    value = OmegaConf.select(config, key, default=default)
    return (
        OmegaConf.to_container(value, resolve=True) if isinstance(value, DictConfig | ListConfig) else value
    )


def _dtype_bytes(name: str | None) -> int:
    return _DTYPE_BYTES.get(str(name).lower(), 4)


@dataclass(frozen=True)
class TrainerSettings:
    """What both verl trainers share: the FSDP engine, the model flags, checkpoints, the data files."""

    world: int  # GPUs (or CPU workers) of the whole launch
    sequence_parallel: int
    tokens_per_gpu: int  # the largest micro-batch one GPU trains on
    dynamic_batch: bool
    param_bytes: int  # bytes per parameter of the sharded master weights (verl trains in fp32)
    param_offload: bool
    optimizer_offload: bool
    remove_padding: bool
    fused_kernels: bool
    gradient_checkpointing: bool
    total_epochs: int
    total_steps: int | None
    save_freq: int | str
    checkpoints_kept: int | None
    checkpoint_contents: tuple[str, ...]  # model, optimizer, extra, hf_model
    train_files: str
    pixels: dict[str, int] | None


@dataclass(frozen=True)
class GrpoSettings(TrainerSettings):
    prompt: int
    response: int
    group: int  # rollout.n
    train_batch: int  # prompts per step
    mini_batch: int  # prompts per actor update
    micro_batch: int | None
    log_prob_tokens: int
    ref_tokens: int
    ref_sequence_parallel: int
    rollout: str
    rollout_tp: int
    rollout_dp: int
    rollout_memory_fraction: float
    max_model_len: int | None
    max_batched_tokens: int
    chunked_prefill: bool
    entropy_coeff: float
    entropy_always: bool  # actor.calculate_entropy
    entropy_checkpointing: bool
    temperature: float
    reference_model: bool  # KL loss needs the reference policy
    ref_param_offload: bool
    test_freq: int
    val_files: str
    val_max_samples: int


@dataclass(frozen=True)
class SftSettings(TrainerSettings):
    max_length: int
    global_batch: int
    micro_batch: int


def _sequence_parallel(config: DictConfig, role: str, engine: str) -> int:
    """verl's FSDPActorConfig copies the role-level (deprecated) size into its engine when it is > 1."""
    role_level = int(_get(config, f"{role}.ulysses_sequence_parallel_size", 1)) if role else 1
    return role_level if role_level > 1 else int(_get(config, f"{engine}.ulysses_sequence_parallel_size", 1))


def _trainer(
    config: DictConfig, role: str, engine: str, tokens: int, dynamic: bool, pixels: Any
) -> dict[str, Any]:
    return {
        "world": int(_get(config, "trainer.nnodes")) * int(_get(config, "trainer.n_gpus_per_node")),
        "sequence_parallel": _sequence_parallel(config, role, engine),
        "tokens_per_gpu": tokens,
        "dynamic_batch": dynamic,
        "param_bytes": _dtype_bytes(_get(config, f"{engine}.model_dtype", "fp32")),
        "param_offload": bool(_get(config, f"{engine}.param_offload", False)),
        "optimizer_offload": bool(_get(config, f"{engine}.optimizer_offload", False)),
        "total_epochs": int(_get(config, "trainer.total_epochs")),
        "total_steps": _get(config, "trainer.total_training_steps"),
        "save_freq": _get(config, "trainer.save_freq"),
        "pixels": pixels or None,
    }


def _model_flags(config: DictConfig, model: str) -> dict[str, Any]:
    return {
        "remove_padding": bool(_get(config, f"{model}.use_remove_padding", False)),
        "fused_kernels": bool(_get(config, f"{model}.use_fused_kernels", False)),
        "gradient_checkpointing": bool(_get(config, f"{model}.enable_gradient_checkpointing", False)),
    }


def grpo_settings(config: DictConfig) -> GrpoSettings:
    actor, rollout, ref = "actor_rollout_ref.actor", "actor_rollout_ref.rollout", "actor_rollout_ref.ref"
    prompt, response = (
        int(_get(config, "data.max_prompt_length")),
        int(_get(config, "data.max_response_length")),
    )
    dynamic = bool(_get(config, f"{actor}.use_dynamic_bsz"))
    micro = _get(config, f"{actor}.ppo_micro_batch_size_per_gpu")
    tokens = (
        int(_get(config, f"{actor}.ppo_max_token_len_per_gpu"))
        if dynamic
        else (micro or 1) * (prompt + response)
    )
    return GrpoSettings(
        **_trainer(
            config, actor, f"{actor}.fsdp_config", tokens, dynamic, _get(config, "data.mm_processor_kwargs")
        ),
        **_model_flags(config, "actor_rollout_ref.model"),
        checkpoints_kept=_get(config, "trainer.max_actor_ckpt_to_keep"),
        checkpoint_contents=tuple(_get(config, f"{actor}.checkpoint.save_contents", ())),
        train_files=str(_get(config, "data.train_files")),
        prompt=prompt,
        response=response,
        group=int(_get(config, f"{rollout}.n")),
        train_batch=int(_get(config, "data.train_batch_size")),
        mini_batch=int(_get(config, f"{actor}.ppo_mini_batch_size")),
        micro_batch=micro,
        log_prob_tokens=int(_get(config, f"{rollout}.log_prob_max_token_len_per_gpu")),
        ref_tokens=int(_get(config, f"{ref}.log_prob_max_token_len_per_gpu")),
        ref_sequence_parallel=_sequence_parallel(config, ref, f"{ref}.fsdp_config"),
        rollout=str(_get(config, f"{rollout}.name")),
        rollout_tp=int(_get(config, f"{rollout}.tensor_model_parallel_size")),
        rollout_dp=int(_get(config, f"{rollout}.data_parallel_size", 1)),
        rollout_memory_fraction=float(_get(config, f"{rollout}.gpu_memory_utilization")),
        max_model_len=_get(config, f"{rollout}.max_model_len"),
        max_batched_tokens=int(_get(config, f"{rollout}.max_num_batched_tokens")),
        chunked_prefill=bool(_get(config, f"{rollout}.enable_chunked_prefill")),
        entropy_coeff=float(_get(config, f"{actor}.entropy_coeff")),
        entropy_always=bool(_get(config, f"{actor}.calculate_entropy", False)),
        entropy_checkpointing=bool(_get(config, f"{actor}.entropy_checkpointing", False)),
        temperature=float(_get(config, f"{rollout}.temperature")),
        reference_model=bool(_get(config, f"{actor}.use_kl_loss")),
        ref_param_offload=bool(_get(config, f"{ref}.fsdp_config.param_offload", False)),
        test_freq=int(_get(config, "trainer.test_freq")),
        val_files=str(_get(config, "data.val_files")),
        val_max_samples=int(_get(config, "data.val_max_samples", -1)),
    )


def sft_settings(config: DictConfig) -> SftSettings:
    dynamic = bool(_get(config, "data.use_dynamic_bsz", True))
    max_length = int(_get(config, "data.max_length"))
    micro = int(_get(config, "data.micro_batch_size_per_gpu"))
    tokens = int(_get(config, "data.max_token_len_per_gpu")) if dynamic else micro * max_length
    processor_kwargs = _get(config, "data.apply_chat_template_kwargs.processor_kwargs")
    return SftSettings(
        **_trainer(config, "", "engine", tokens, dynamic, processor_kwargs),
        **_model_flags(config, "model"),
        checkpoints_kept=_get(config, "trainer.max_ckpt_to_keep"),
        checkpoint_contents=tuple(_get(config, "checkpoint.save_contents", ())),
        train_files=str(_get(config, "data.train_files")),
        max_length=max_length,
        global_batch=int(_get(config, "data.train_batch_size")),
        micro_batch=micro,
    )
