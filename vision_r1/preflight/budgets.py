"""Token budgets: every sequence a stage makes must fit the places verl and vLLM put it.

- verl's dynamic batching (utils/seqlen_balancing.py rearrange_micro_batches) asserts that
  `max_token_len_per_gpu x Ulysses SP` holds the longest sequence, for the actor update, the old
  and the reference log-probs alike;
- vLLM's `max_model_len` defaults to the model's `max_position_embeddings`; without chunked prefill
  verl raises `max_num_batched_tokens` to it (vllm_async_server._validate_configs);
- images: one visual token per 28x28 pixels, so the pixel budget (the stage's, else the processor's)
  decides how many tokens one image takes of `max_prompt_length` (RL: verl drops longer prompts
  silently) or of `max_length` (SFT: verl cuts the row, possibly inside its image tokens).
"""

from __future__ import annotations

from vision_r1.preflight.findings import Finding, error, ok, warning
from vision_r1.preflight.settings import GrpoSettings, SftSettings
from vision_r1.preflight.view import StageView

CHECK = "token budgets"
IMAGES = "image tokens"


def check_budgets(view: StageView) -> list[Finding]:
    settings = view.settings
    if isinstance(settings, GrpoSettings):
        return _grpo(view, settings) + _grpo_images(view, settings)
    if isinstance(settings, SftSettings):
        return _sft(settings) + _sft_images(view, settings)
    if view.stage.kind == "eval" and view.shape is not None:
        return [_eval(view)]
    return []


def _holds(label: str, key: str, per_gpu: int, sp: int, longest: int) -> Finding:
    room = per_gpu * sp
    text = f"{label} {per_gpu}" + (f" x SP {sp} = {room}" if sp > 1 else "")
    if room < longest:
        least = -(-longest // sp)
        return error(
            CHECK,
            f"{text} tokens cannot hold one {longest}-token sequence (verl asserts on it at the first step)",
            f"set {key} to at least {least}",
        )
    return ok(CHECK, f"{text} tokens >= the longest sequence, {longest}")


def _grpo(view: StageView, settings: GrpoSettings) -> list[Finding]:
    longest = settings.prompt + settings.response
    findings = []
    if settings.dynamic_batch:
        base = "actor_rollout_ref"
        findings += [
            _holds(
                "actor update",
                f"{base}.actor.ppo_max_token_len_per_gpu",
                settings.tokens_per_gpu,
                settings.sequence_parallel,
                longest,
            ),
            _holds(
                "old log-probs",
                f"{base}.rollout.log_prob_max_token_len_per_gpu",
                settings.log_prob_tokens,
                settings.sequence_parallel,
                longest,
            ),
        ]
        if settings.reference_model:
            findings.append(
                _holds(
                    "reference log-probs",
                    f"{base}.ref.log_prob_max_token_len_per_gpu",
                    settings.ref_tokens,
                    settings.ref_sequence_parallel,
                    longest,
                )
            )
    if view.shape is not None:
        limit = view.shape.max_positions
        model_len = settings.max_model_len or limit
        if longest > model_len:
            findings.append(
                error(
                    CHECK,
                    f"prompt {settings.prompt} + response {settings.response} = {longest} tokens exceed the rollout's "
                    f"max_model_len {model_len}",
                    "lower max_response_length or raise actor_rollout_ref.rollout.max_model_len "
                    f"(at most {limit}, the model's max_position_embeddings)",
                )
            )
        if not settings.chunked_prefill and settings.max_batched_tokens < model_len:
            findings.append(
                warning(
                    CHECK,
                    f"chunked prefill is off, so verl raises vLLM's max_num_batched_tokens to max_model_len "
                    f"{model_len} (a prefill batch that large needs its activations in GPU memory)",
                    "keep actor_rollout_ref.rollout.enable_chunked_prefill=True (verl's default), or set "
                    f"actor_rollout_ref.rollout.max_model_len={longest}",
                )
            )
    return findings


def _sft(settings: SftSettings) -> list[Finding]:
    if not settings.dynamic_batch:
        return []
    return [
        _holds(
            "micro-batch",
            "data.max_token_len_per_gpu",
            settings.tokens_per_gpu,
            settings.sequence_parallel,
            settings.max_length,
        )
    ]


def _image_tokens(view: StageView, pixels: dict[str, int] | None) -> tuple[int, str]:
    assert view.shape is not None
    if pixels:
        return view.shape.visual_tokens(
            pixels["max_pixels"]
        ), f"the stage's max_pixels {pixels['max_pixels']}"
    return view.shape.visual_tokens(
        view.shape.max_pixels
    ), f"the processor's own max_pixels {view.shape.max_pixels}"


def _grpo_images(view: StageView, settings: GrpoSettings) -> list[Finding]:
    if view.shape is None or view.shape.vision is None:
        return []
    tokens, budget = _image_tokens(view, settings.pixels)
    if tokens > settings.prompt:
        fits = settings.prompt * view.shape.vision.pixels_per_token
        message = (
            f"one image at {budget} is {tokens} tokens, more than max_prompt_length {settings.prompt}: verl "
            f"silently drops every prompt whose images pass about {fits} pixels (the data check counts them)"
        )
        if settings.pixels is None:
            return [
                error(
                    IMAGES,
                    f"no pixel budget: {message}",
                    f"set stages.{view.stage.name}.min_pixels/max_pixels (EasyR1: 262144/4194304)",
                )
            ]
        return [warning(IMAGES, message, f"lower stages.{view.stage.name}.max_pixels to keep such prompts")]
    return [ok(IMAGES, f"one image at {budget} is at most {tokens} of max_prompt_length {settings.prompt}")]


def _sft_images(view: StageView, settings: SftSettings) -> list[Finding]:
    if view.shape is None or view.shape.vision is None:
        return []
    tokens, budget = _image_tokens(view, settings.pixels)
    if tokens >= settings.max_length:
        return [
            error(
                IMAGES,
                f"one image at {budget} is {tokens} tokens, not below max_length {settings.max_length}: verl's cut "
                "can fall inside the image tokens and the forward fails on the token/feature mismatch",
                f"set stages.{view.stage.name}.min_pixels/max_pixels (the paper's LLaMA-Factory SFT: 1024/589824)",
            )
        ]
    return [ok(IMAGES, f"one image at {budget} is at most {tokens} of max_length {settings.max_length}")]


def _eval(view: StageView) -> Finding:
    assert view.shape is not None
    stage = view.stage
    if stage.max_new_tokens >= view.shape.max_positions:
        return error(
            CHECK,
            f"max_new_tokens {stage.max_new_tokens} leaves no room for the prompt in the model's "
            f"{view.shape.max_positions} positions",
            f"lower stages.{stage.name}.max_new_tokens",
        )
    return ok(
        CHECK, f"max_new_tokens {stage.max_new_tokens} < the model's {view.shape.max_positions} positions"
    )
