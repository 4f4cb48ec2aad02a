"""Parallel sizes against the model's head counts, with the rules of the code that enforces them.

- vLLM tensor parallel (vllm/config/model.py verify_with_parallel_config, layers/linear.py): the
  attention heads divide by TP; KV heads divide by TP, or TP by the KV heads (they are replicated);
  the vision tower's heads and MLP width divide by TP (qwen2_5_vl.py splits both across the group).
- verl's Ulysses sequence parallel (models/transformers/monkey_patch.py): heads divide by SP; KV
  heads divide by SP or SP by the KV heads.
- verl's rollout device mesh (workers/engine_workers.py): the GPUs divide by TP x rollout DP.
"""

from __future__ import annotations

from collections.abc import Callable

from vision_r1.preflight.findings import Finding, error, ok, skipped
from vision_r1.preflight.settings import GrpoSettings
from vision_r1.preflight.shapes import ModelShape
from vision_r1.preflight.view import StageView

CHECK = "parallel sizes"


def _kv_split(kv_heads: int, size: int) -> bool:
    return kv_heads % size == 0 if size <= kv_heads else size % kv_heads == 0


def sequence_parallel_problems(shape: ModelShape, sp: int) -> list[str]:
    """What a split of the language model's attention over `sp` GPUs does not divide."""
    problems = []
    if shape.heads % sp:
        problems.append(f"{shape.heads} attention heads")
    if not _kv_split(shape.kv_heads, sp):
        problems.append(f"{shape.kv_heads} KV heads")
    return problems


def tensor_parallel_problems(shape: ModelShape, tp: int) -> list[str]:
    """vLLM splits the language model's attention as Ulysses does, and the vision tower too."""
    problems = sequence_parallel_problems(shape, tp)
    if shape.vision and shape.vision.heads % tp:
        problems.append(f"{shape.vision.heads} vision heads")
    if shape.vision and shape.vision.intermediate and shape.vision.intermediate % tp:
        problems.append(f"vision MLP width {shape.vision.intermediate}")
    return problems


def valid_sizes(problems: Callable[[ModelShape, int], list[str]], shape: ModelShape, gpus: int) -> list[int]:
    return [size for size in range(1, gpus + 1) if gpus % size == 0 and not problems(shape, size)]


def _what_divides(shape: ModelShape, size: int, rule: str) -> str:
    parts = [f"{shape.heads} heads", f"{shape.kv_heads} KV heads"]
    if rule == "tp" and shape.vision:
        parts.append(f"{shape.vision.heads} vision heads")
        if shape.vision.intermediate:
            parts.append(f"vision MLP {shape.vision.intermediate}")
    return f"{size} fits {', '.join(parts)}"


def _size_finding(view: StageView, label: str, key: str, size: int, rule: str, consequence: str) -> Finding:
    shape = view.shape
    assert shape is not None
    problems = (tensor_parallel_problems if rule == "tp" else sequence_parallel_problems)(shape, size)
    if problems:
        valid = valid_sizes(
            tensor_parallel_problems if rule == "tp" else sequence_parallel_problems, shape, view.gpus
        )
        return error(
            CHECK,
            f"{label} {size} does not divide the {' and the '.join(problems)} of {shape.source}: {consequence}",
            f"set {key} to one of {valid}",
        )
    if view.gpus % size:
        return error(
            CHECK,
            f"{label} {size} does not divide the {view.gpus} GPUs",
            f"set {key} to a divisor of {view.gpus}",
        )
    return ok(CHECK, f"{label}: {_what_divides(shape, size, rule)}")


def check_parallel(view: StageView) -> list[Finding]:
    if not view.on_gpu or view.model is None:
        return []
    if view.shape is None:
        return [
            skipped(CHECK, f"the shape of {view.model} is unknown (not a local folder, not a Qwen2.5-VL id)")
        ]
    settings = view.settings
    if isinstance(settings, GrpoSettings):
        return _grpo(view, settings)
    if settings is not None:
        return [
            _size_finding(
                view,
                "Ulysses SP",
                "engine.ulysses_sequence_parallel_size",
                settings.sequence_parallel,
                "sp",
                "verl's attention patch asserts on it",
            )
        ]
    if view.stage.kind == "eval" and view.stage.backend in ("vllm", "auto"):
        return [_eval_tensor_parallel(view)]
    return []


def _grpo(view: StageView, settings: GrpoSettings) -> list[Finding]:
    findings = [
        _size_finding(
            view,
            "rollout TP",
            "actor_rollout_ref.rollout.tensor_model_parallel_size",
            settings.rollout_tp,
            "tp",
            "vLLM refuses to start",
        )
    ]
    replicas = settings.rollout_tp * settings.rollout_dp
    if view.gpus % replicas:
        findings.append(
            error(
                CHECK,
                f"rollout TP x DP = {replicas} does not divide the {view.gpus} GPUs (verl asserts on it)",
                "set actor_rollout_ref.rollout.tensor_model_parallel_size/data_parallel_size to divide the GPUs",
            )
        )
    for role, size in (("actor", settings.sequence_parallel), ("ref", settings.ref_sequence_parallel)):
        key = f"actor_rollout_ref.{role}.fsdp_config.ulysses_sequence_parallel_size"
        findings.append(
            _size_finding(view, f"{role} Ulysses SP", key, size, "sp", "verl's attention patch asserts on it")
        )
    return findings


def _eval_tensor_parallel(view: StageView) -> Finding:
    stage = view.stage
    if stage.tensor_parallel_size > view.resources.gpus_per_node:
        return error(
            CHECK,
            f"eval tensor_parallel_size {stage.tensor_parallel_size} is more than the "
            f"{view.resources.gpus_per_node} GPUs of a node",
            f"set stages.{stage.name}.tensor_parallel_size to at most {view.resources.gpus_per_node}",
        )
    return _size_finding(
        view,
        "eval TP",
        f"stages.{stage.name}.tensor_parallel_size",
        stage.tensor_parallel_size,
        "tp",
        "vLLM refuses to start",
    )
