"""A per-GPU memory estimate of each phase of a stage, term by term, from the model shape and verl's config.

Read off verl 0.9.1's FSDP engine (workers/engine/fsdp/transformer_impl.py) and hybrid engine
(workers/engine_workers.py); every term is an upper-end count, and what is not modelled (allocator
fragmentation, compile workspaces) is covered by checking against 90% of the GPU, not all of it.

- Trained weights are fp32 masters (`model_dtype: fp32`), with fp32 gradients and AdamW's two fp32
  moments, all sharded over every GPU: 16 bytes per parameter / GPUs.
- FSDP gathers one decoder layer at a time (plus the prefetched next one) in bf16, but keeps the
  root unit (embeddings and output head) gathered, with its bf16 gradients, through the step.
- Gradient checkpointing keeps each layer's bf16 input; one layer is recomputed at a time.
- Logits are bf16 `tokens x vocabulary`. Without fused kernels verl materialises them; flash-attn's
  cross-entropy then writes their gradient in place. An entropy term in the loss (entropy_coeff != 0)
  turns that off and adds the entropy's own gradient, plus its saved softmax unless
  `entropy_checkpointing`. `use_fused_kernels` never materialises them.
- Phases of a GRPO step: rollout (vLLM awake with its `gpu_memory_utilization` share, the trainer's
  resident state beside it), log-probs (no gradients; the old log-probs also compute the entropy for
  the metrics), actor update. vLLM sleeps outside the rollout but keeps its context and graphs.
"""

from __future__ import annotations

from dataclasses import dataclass

from vision_r1.preflight.findings import Finding, error, ok, skipped, warning
from vision_r1.preflight.settings import GrpoSettings, SftSettings, TrainerSettings
from vision_r1.preflight.shapes import ModelShape
from vision_r1.preflight.view import GIB, StageView, gib

CHECK = "GPU memory"
USABLE_FRACTION = 0.9  # the rest is left to fragmentation and buffers no term counts
PROCESS_OVERHEAD = 1.0 * GIB  # assumed: CUDA context, cuBLAS/cuDNN workspaces and NCCL buffers of a trainer
ASLEEP_VLLM = 1.5 * GIB  # assumed: a sleeping vLLM engine's CUDA context and CUDA-graph pools
VLLM_DEFAULT_FRACTION = 0.9  # vllm.LLM's gpu_memory_utilization default (the eval backend)
BF16 = 2


@dataclass(frozen=True)
class Term:
    name: str
    bytes: float


@dataclass(frozen=True)
class Phase:
    name: str
    terms: tuple[Term, ...]

    @property
    def total(self) -> float:
        return sum(term.bytes for term in self.terms)

    def text(self) -> str:
        parts = " + ".join(
            f"{term.name} {term.bytes / GIB:.1f}" for term in self.terms if term.bytes >= 0.05 * GIB
        )
        return f"{self.name} {gib(self.total)} = {parts}"


def _states(shape: ModelShape, settings: TrainerSettings, gradients: bool) -> list[Term]:
    share = shape.parameters / settings.world
    weights = 0.0 if settings.param_offload else share * settings.param_bytes
    terms = [Term("weights", weights)]
    if gradients:
        terms.append(Term("gradients", weights))
    terms.append(Term("AdamW moments", 0.0 if settings.optimizer_offload else share * 8))
    return terms


def _gathered(shape: ModelShape, gradients: bool) -> Term:
    root = shape.embedding_parameters * BF16 * (2 if gradients else 1)
    return Term("FSDP gathered", root + 2 * shape.layer_parameters * BF16 * (2 if gradients else 1))


def _layer_bytes_per_token(shape: ModelShape) -> int:
    """What one decoder layer keeps for its backward, per token (norm outputs, q/k/v, attention output,
    the MLP's gate, up and their product)."""
    kv = 2 * shape.kv_heads * shape.head_dim
    return (4 * shape.hidden + kv + 5 * shape.intermediate) * BF16


def _activations(shape: ModelShape, tokens: int, checkpointing: bool, image_tokens: int) -> list[Term]:
    patches = image_tokens * 4  # 2x2 patches merge into one visual token
    vision = shape.vision
    if checkpointing:
        terms = [
            Term("checkpointed activations", shape.layers * tokens * shape.hidden * BF16),
            Term("recomputed layer", tokens * _layer_bytes_per_token(shape)),
        ]
        if vision:
            per_patch = (4 * vision.hidden + 5 * (vision.intermediate or 3 * vision.hidden)) * BF16
            terms.append(Term("vision tower", patches * (vision.depth * vision.hidden * BF16 + per_patch)))
        return terms
    terms = [Term("activations", shape.layers * tokens * _layer_bytes_per_token(shape))]
    if vision:
        per_patch = (4 * vision.hidden + 5 * (vision.intermediate or 3 * vision.hidden)) * BF16
        terms.append(Term("vision tower", patches * vision.depth * per_patch))
    return terms


def logits_copies(fused: bool, entropy: bool, entropy_checkpointing: bool, temperature: float) -> int:
    """Full `tokens x vocabulary` bf16 tensors alive at the start of the backward pass."""
    if fused:
        return 0
    copies = 1 + (temperature != 1.0)
    if entropy:
        copies += 2 + (not entropy_checkpointing)
    return copies


def _logits(shape: ModelShape, tokens: int, copies: int) -> Term:
    return Term(f"logits ({copies}x)", copies * tokens * shape.vocab * BF16)


def _image_tokens(
    shape: ModelShape, pixels: dict[str, int] | None, per_sample_limit: int, samples: int
) -> int:
    per_image = shape.visual_tokens(pixels["max_pixels"] if pixels else shape.max_pixels)
    return samples * min(per_image, per_sample_limit)


def sft_phases(shape: ModelShape, settings: SftSettings) -> list[Phase]:
    tokens = settings.tokens_per_gpu
    samples = max(1, tokens // settings.max_length)
    image_tokens = _image_tokens(shape, settings.pixels, settings.max_length, samples)
    terms = [
        *_states(shape, settings, gradients=True),
        _gathered(shape, gradients=True),
        *_activations(shape, tokens, settings.gradient_checkpointing, image_tokens),
        _logits(shape, tokens, logits_copies(settings.fused_kernels, False, False, 1.0)),
        Term("CUDA context", PROCESS_OVERHEAD),
    ]
    return [Phase("training", tuple(terms))]


def _reference(shape: ModelShape, settings: GrpoSettings) -> Term:
    resident = settings.reference_model and not settings.ref_param_offload
    return Term("reference model", shape.parameters / settings.world * BF16 if resident else 0.0)


def grpo_phases(shape: ModelShape, settings: GrpoSettings, gpu_bytes: float) -> list[Phase]:
    longest = settings.prompt + settings.response
    reference = _reference(shape, settings)
    context = Term("CUDA context", PROCESS_OVERHEAD)
    asleep = Term("vLLM asleep", ASLEEP_VLLM)

    def image_tokens(tokens: int) -> int:
        return _image_tokens(shape, settings.pixels, settings.prompt, max(1, tokens // longest))

    rollout_states = [term for term in _states(shape, settings, gradients=False)]
    rollout = Phase(
        "rollout",
        (
            Term("vLLM share", settings.rollout_memory_fraction * gpu_bytes),
            *rollout_states,
            reference,
            context,
        ),
    )
    lp_tokens = settings.log_prob_tokens
    log_probs = Phase(
        "old log-probs",
        (
            *rollout_states,
            _gathered(shape, gradients=False),
            Term("layer activations", lp_tokens * (shape.hidden + shape.intermediate) * BF16 * 2),
            _logits(shape, lp_tokens, 0 if settings.fused_kernels else 3),  # logits, softmax, product
            reference,
            asleep,
            context,
        ),
    )
    tokens = settings.tokens_per_gpu
    entropy = settings.entropy_coeff != 0 or settings.entropy_always
    copies = logits_copies(
        settings.fused_kernels, entropy, settings.entropy_checkpointing, settings.temperature
    )
    update = Phase(
        "actor update",
        (
            *_states(shape, settings, gradients=True),
            _gathered(shape, gradients=True),
            *_activations(shape, tokens, settings.gradient_checkpointing, image_tokens(tokens)),
            _logits(shape, tokens, copies),
            reference,
            asleep,
            context,
        ),
    )
    return [rollout, log_probs, update]


def vllm_sequence_room(shape: ModelShape, tp: int, fraction: float, gpu_bytes: float) -> tuple[float, float]:
    """(bytes left for the KV cache in vLLM's share, KV bytes of one token) on one GPU of a TP group."""
    weights = shape.parameters * BF16 / tp
    return fraction * gpu_bytes - weights - PROCESS_OVERHEAD, shape.kv_bytes_per_token(tp)


def check_memory(view: StageView) -> tuple[list[Finding], float | None]:
    """Findings, and the stage's largest per-GPU estimate (None when nothing could be estimated)."""
    if not view.on_gpu or view.model is None:
        return [], None
    if view.shape is None:
        return [skipped(CHECK, f"the shape of {view.model} is unknown, so memory is not estimated")], None
    settings, budget = view.settings, USABLE_FRACTION * view.gpu_memory_bytes
    if isinstance(settings, GrpoSettings):
        phases = grpo_phases(view.shape, settings, view.gpu_memory_bytes)
        findings = [_phase_finding(view, phase, budget, settings) for phase in phases]
        findings.append(
            _kv_finding(
                view,
                settings.rollout_tp,
                settings.rollout_memory_fraction,
                settings.max_model_len or settings.prompt + settings.response,
            )
        )
        findings += _entropy_finding(view, settings, phases[-1])
        return findings, max(phase.total for phase in phases)
    if isinstance(settings, SftSettings):
        phases = sft_phases(view.shape, settings)
        return [_phase_finding(view, phase, budget, settings) for phase in phases], phases[0].total
    if view.stage.kind == "eval" and view.stage.backend in ("vllm", "auto"):
        tp = view.stage.tensor_parallel_size
        finding = _kv_finding(view, tp, VLLM_DEFAULT_FRACTION, view.shape.max_positions)
        return [finding], VLLM_DEFAULT_FRACTION * view.gpu_memory_bytes
    return [], None


def _phase_finding(view: StageView, phase: Phase, budget: float, settings: TrainerSettings) -> Finding:
    limit = f"90% of gpu_memory_gb {view.resources.gpu_memory_gb:g} = {gib(budget)}"
    if phase.total <= budget:
        return ok(CHECK, f"{phase.text()} <= {limit}")
    return error(CHECK, f"{phase.text()} > {limit}", _relief(view, phase, settings))


def _relief(view: StageView, phase: Phase, settings: TrainerSettings) -> str:
    """What to change, largest term first."""
    largest = max(phase.terms, key=lambda term: term.bytes).name
    options = []
    if largest.startswith("logits") and isinstance(settings, GrpoSettings) and settings.entropy_coeff != 0:
        options.append("set entropy_coeff: 0 (EasyR1 and verl's Qwen2.5-VL examples use 0)")
    if largest.startswith("logits") and not settings.fused_kernels:
        options.append("model.use_fused_kernels=True")
    if phase.name == "rollout":
        options.append("lower actor_rollout_ref.rollout.gpu_memory_utilization")
    else:
        options.append("lower the per-GPU token budget and raise the Ulysses SP size to keep long sequences")
    options.append("offload (fsdp_config.param_offload / optimizer_offload)")
    if largest == "reference model":
        options.insert(0, "actor_rollout_ref.ref.fsdp_config.param_offload=True")
    return "; or ".join(options)


def _entropy_finding(view: StageView, settings: GrpoSettings, update: Phase) -> list[Finding]:
    """An entropy bonus without fused kernels is paid in full-vocabulary logits; say how much."""
    if settings.entropy_coeff == 0 or settings.fused_kernels:
        return []
    assert view.shape is not None
    with_entropy = logits_copies(False, True, settings.entropy_checkpointing, settings.temperature)
    without = logits_copies(False, False, False, settings.temperature)
    extra = (with_entropy - without) * settings.tokens_per_gpu * view.shape.vocab * BF16
    return [
        warning(
            "entropy bonus",
            f"entropy_coeff {settings.entropy_coeff:g} keeps {with_entropy - without} more full-vocabulary logits "
            f"copies in the actor update: {gib(extra)} of its {gib(update.total)} at {settings.tokens_per_gpu} "
            "tokens per GPU; EasyR1 and verl's Qwen2.5-VL GRPO examples use 0",
            f"set stages.{view.stage.name}.entropy_coeff: 0, or actor_rollout_ref.model.use_fused_kernels=True",
        )
    ]


def _kv_finding(view: StageView, tp: int, fraction: float, sequence: int) -> Finding:
    assert view.shape is not None
    room, per_token = vllm_sequence_room(view.shape, tp, fraction, view.gpu_memory_bytes)
    needed = per_token * sequence
    if room < needed:
        return error(
            CHECK,
            f"vLLM's share ({fraction:g} of the GPU) minus the TP-{tp} weights leaves {gib(room)} for the KV cache, "
            f"less than one {sequence}-token sequence ({gib(needed)}); vLLM refuses to start",
            "raise gpu_memory_utilization or the tensor-parallel size",
        )
    return ok(
        CHECK,
        f"vLLM KV cache: {gib(room)} at TP {tp} holds {int(room // needed)} sequences of {sequence} tokens",
    )
