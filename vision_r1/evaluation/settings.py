"""Evaluation settings: one flat mapping, the same in a recipe's eval stage and on the command line.

Defaults follow the paper: temperature 0.6, top-p 0.95, up to 16K new tokens, one sample per
question and no re-sampling. Options that published numbers depend on are explicit, off by
default and always reported:
- `samples`: n responses per question; accuracy becomes mean@n and pass@n is added;
- `resample_missing_answer`: the Vision-R1 evaluation's rule, a response without `</answer>` is
  drawn again, up to 5 responses in all, and the last one is kept. It raises scores;
- `format_retries`: our stricter variant, re-sampling a response that breaks the whole
  `<think>/<answer>` layout up to N more times.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from vision_r1.evaluation.generation import BACKENDS, SamplingSettings
from vision_r1.evaluation.llm_extractor import ExtractorEndpoint

DEFAULT_BATCH_SIZE = {"transformers": 8, "vllm": 1024}
MAX_SAMPLES = 64
VISION_R1_MAX_RESPONSES = 5  # the Vision-R1 evaluation draws at most 5 responses per question
MISSING_ANSWER_RULE = "vision-r1: re-sample while </answer> is missing"
FORMAT_RULE = "re-sample while the think/answer format is broken"


@dataclass(frozen=True)
class EvalSettings:
    backend: str = "auto"  # "auto": vllm when a CUDA GPU is visible, else transformers
    temperature: float = 0.6
    top_p: float = 0.95
    max_new_tokens: int = 16384
    seed: int = 0
    batch_size: int | None = None  # questions per generate call, and per durable checkpoint
    tensor_parallel_size: int = 1
    system_prompt: str | None = None
    format_retries: int = 0
    llm_extractor: ExtractorEndpoint | None = None
    samples: int = 1
    resample_missing_answer: bool = False

    def __post_init__(self) -> None:
        if self.backend not in ("auto", *BACKENDS):
            raise ValueError(f"backend must be 'auto' or one of {', '.join(BACKENDS)}, got '{self.backend}'")
        if not 0 <= self.temperature <= 2 or not 0 < self.top_p <= 1:
            raise ValueError(
                f"need 0 <= temperature <= 2 and 0 < top_p <= 1, got {self.temperature}, {self.top_p}"
            )
        for name in ("max_new_tokens", "tensor_parallel_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if not 0 <= self.format_retries <= 10:
            raise ValueError(f"format_retries must be between 0 and 10, got {self.format_retries}")
        if not 1 <= self.samples <= MAX_SAMPLES:
            raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}, got {self.samples}")
        if self.format_retries and self.resample_missing_answer:
            raise ValueError("choose one re-sampling rule: format_retries or resample_missing_answer")

    @classmethod
    def from_value(cls, value: EvalSettings | dict[str, Any] | None) -> EvalSettings:
        """Accept settings, a recipe mapping (unknown keys are an error) or None for the defaults."""
        if value is None:
            return cls()
        if isinstance(value, EvalSettings):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown evaluation settings {unknown}; known: {sorted(known)}")
        values = dict(value)
        if isinstance(values.get("llm_extractor"), dict):
            try:
                values["llm_extractor"] = ExtractorEndpoint(**values["llm_extractor"])
            except TypeError as error:
                raise ValueError(
                    f"llm_extractor: {error} (keys: base_url, model, api_key_env, timeout_s, max_retries)"
                ) from error
        return cls(**values)

    @property
    def sampling(self) -> SamplingSettings:
        return SamplingSettings(self.temperature, self.top_p, self.max_new_tokens, self.seed)

    @property
    def retry(self) -> dict[str, Any] | None:
        """The re-sampling rule in force, as reported in summaries; None when there is none."""
        if self.resample_missing_answer:
            return {"rule": MISSING_ANSWER_RULE, "max_retries": VISION_R1_MAX_RESPONSES - 1}
        if self.format_retries:
            return {"rule": FORMAT_RULE, "max_retries": self.format_retries}
        return None

    def retry_needed(self, text: str, format_ok: bool) -> bool:
        """Whether a response is drawn again under the rule in force."""
        if self.resample_missing_answer:
            return "</answer>" not in text
        return not format_ok

    def resolved_backend(self) -> str:
        if self.backend != "auto":
            return self.backend
        import torch

        return "vllm" if torch.cuda.is_available() else "transformers"

    def resolved_batch_size(self, backend: str) -> int:
        return self.batch_size or DEFAULT_BATCH_SIZE[backend]

    def result_identity(self, model_dir: Path) -> dict[str, Any]:
        """What a stored result depends on; a resume with different values is refused.

        Batch size, backend and parallelism only change speed, so a run may resume with others.
        """
        identity = {key: value for key, value in asdict(self).items() if key not in _SPEED_ONLY}
        for key, default in _LATER_OPTIONS.items():  # absent at their defaults: older runs still resume
            if identity[key] == default:
                del identity[key]
        identity["model_dir"] = str(Path(model_dir).resolve())
        if self.llm_extractor is not None:
            identity["llm_extractor"] = {
                "base_url": self.llm_extractor.base_url,
                "model": self.llm_extractor.model,
            }
        return identity


_SPEED_ONLY = frozenset({"backend", "batch_size", "tensor_parallel_size", "seed"})
_LATER_OPTIONS = {"samples": 1, "resample_missing_answer": False}
