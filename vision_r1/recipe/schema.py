"""The recipe schema: what a user may write in a recipe YAML, validated with precise error locations.

A recipe is plain data. PTST is nothing but a list of `grpo` stages with different
`max_response_length` / `rollout_n`; nothing about 4K/8K/16K lives in code.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STAGE_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"


class _Strict(BaseModel):
    """Unknown keys are errors: a misspelled recipe key must fail at load, not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Resources(_Strict):
    """Where verl stages run. `device: cpu` runs verl through the vision-r1 CPU plugin."""

    device: Literal["cpu", "gpu"] = "gpu"
    nnodes: int = Field(
        1, ge=1, description="Nodes a training stage spans (more than one needs ray_address)."
    )
    gpus_per_node: int = Field(8, ge=1)
    cpus_per_node: int = Field(1, ge=1, description="Trainer ranks per node when device is cpu.")
    ray_address: str | None = Field(
        None,
        description="Ray cluster the training stages run on (`auto`: the one started on this node): GRPO "
        "stages join it, multi-node SFT places one torchrun launcher on each of its nodes. Unset: each "
        "GRPO stage on gpu starts its own, and a cpu run starts one for all its GRPO stages.",
    )
    rdzv_endpoint: str | None = Field(
        None, description="host:port of multi-node SFT's torchrun rendezvous (default: node 0, a free port)."
    )
    gpu_memory_gb: float = Field(
        80.0,
        gt=0,
        description="Memory of one GPU in GiB; the preflight checks every stage's estimate against it.",
    )
    host_memory_gb: float | None = Field(
        None,
        gt=0,
        description="Host memory of one node in GiB; the preflight checks SFT data loading against it.",
    )
    rollout: Literal["hf", "vllm"] | None = Field(
        None,
        description="GRPO rollout engine: on cpu `hf` (transformers, the default) or `vllm` (vLLM's CPU "
        "build through verl's own vLLM rollout); gpu stages always use vllm.",
    )
    stall_timeout_s: float | None = Field(
        1800.0,
        gt=0,
        description="A stage command that prints nothing for this long is presumed hung, stopped and "
        "reported with its log tail (null: wait forever).",
    )

    @model_validator(mode="after")
    def _rollout_fits_device(self) -> Resources:
        if self.device == "gpu" and self.rollout == "hf":
            raise ValueError("rollout 'hf' is the CPU plugin's engine; gpu stages roll out with vllm")
        return self

    @model_validator(mode="after")
    def _nodes_need_a_cluster(self) -> Resources:
        if self.nnodes > 1 and not self.ray_address:
            raise ValueError(
                f"nnodes {self.nnodes} needs ray_address, the Ray cluster those nodes form (`auto` on its "
                "head node): see README, Multi-node"
            )
        return self

    @property
    def rollout_engine(self) -> str:
        return self.rollout or ("hf" if self.device == "cpu" else "vllm")


class StageBase(_Strict):
    name: str = Field(pattern=STAGE_NAME_PATTERN)
    resources: Resources | None = Field(None, description="Overrides the recipe's resources for this stage.")


class TinyModelStage(StageBase):
    """Build the tiny random-weight Qwen2.5-VL (the CPU recipe's base model)."""

    kind: Literal["tiny_model"]
    seed: int = 0


class SynthStage(StageBase):
    """Render the synthetic visual-math set (RL parquet + cold-start input table)."""

    kind: Literal["synth"]
    n: int = Field(ge=1, description="Training rows.")
    seed: int = 0
    val_n: int | None = Field(None, ge=1, description="Validation rows (default n/10).")
    tasks: list[str] | None = Field(
        None,
        description="Tasks (default: counting, arithmetic, bar_chart, triangle, rec, detection; "
        "also ovd, grounding, classification).",
    )
    math_reward: Literal["hfrrf", "r1v", "math"] = "hfrrf"
    template: str = Field("vision_r1", description="RL prompt template (vision_r1, zero, ...).")


class ColdStartStage(StageBase):
    """Modality-bridging cold-start generation (data_pipeline)."""

    kind: Literal["cold_start"]
    config: str = Field(
        description="Path to a cold-start pipeline config (YAML, see data_pipeline/configs/)."
    )
    input: str | None = Field(
        None, description="Cold-start input table (parquet); default: the config's input."
    )
    limit: int | None = Field(None, ge=1, description="Only the first N input rows.")


class VerlStage(StageBase):
    """Settings shared by the stages that launch a verl trainer."""

    model: str
    dataset: str
    val_dataset: str | None = None
    lr: float = Field(gt=0)
    save_freq: int = Field(-1, description="Checkpoint every N steps; the final step is always saved.")
    verl_overrides: list[str] = Field(default_factory=list, description="Any verl Hydra override, verbatim.")
    min_pixels: int | None = Field(
        None,
        ge=1,
        description="Image pixel budget, lower end: smaller images are upscaled (with max_pixels).",
    )
    max_pixels: int | None = Field(
        None,
        ge=1,
        description="Image pixel budget, upper end: larger images are downscaled; one visual token per 28x28 pixels.",
    )

    @model_validator(mode="after")
    def _pixel_budget_is_a_range(self) -> VerlStage:
        # transformers' Qwen2-VL image processor applies call-time budgets only when both ends are given.
        if (self.min_pixels is None) != (self.max_pixels is None):
            raise ValueError("set both min_pixels and max_pixels, or neither")
        if self.min_pixels is not None and self.max_pixels is not None and self.min_pixels > self.max_pixels:
            raise ValueError(f"min_pixels ({self.min_pixels}) is larger than max_pixels ({self.max_pixels})")
        return self

    @field_validator("verl_overrides")
    @classmethod
    def _overrides_are_assignments(cls, value: list[str]) -> list[str]:
        for item in value:
            if "=" not in item:
                raise ValueError(f"verl override {item!r} is not of the form key=value")
        return value


class SftStage(VerlStage):
    """Cold-start SFT with verl's `sft_trainer` (torchrun)."""

    kind: Literal["sft"]
    epochs: int = Field(1, ge=1)
    steps: int | None = Field(None, ge=1, description="Stop after this many steps (default: all epochs).")
    global_batch_size: int = Field(ge=1)
    micro_batch_size_per_gpu: int = Field(1, ge=1)
    max_length: int = Field(ge=16)
    warmup_ratio: float = Field(0.0, ge=0.0, lt=1.0)
    lr_scheduler: Literal["cosine", "constant"] = "cosine"


class GrpoStage(VerlStage):
    """One PTST stage: GRPO with verl's `main_ppo` (`algorithm.adv_estimator=grpo`)."""

    kind: Literal["grpo"]
    steps: int = Field(ge=1)
    max_prompt_length: int = Field(ge=16)
    max_response_length: int = Field(ge=1)
    rollout_n: int = Field(ge=2, description="Group size: responses sampled per prompt.")
    rollout_batch_size: int = Field(ge=1, description="Prompts per step (data.train_batch_size).")
    mini_batch_size: int = Field(ge=1, description="Prompts per actor update (ppo_mini_batch_size).")
    micro_batch_size_per_gpu: int = Field(1, ge=1)
    reward: str | None = Field(
        None,
        description="Reward kind for every row (`vision-r1 rewards kinds`); unset: each row's extra_info.reward.",
    )
    negate_reward: bool = Field(
        False,
        description="Control run: train on minus the reward; if the plumbing is right the reward falls.",
    )
    warmup_steps: int = Field(
        0, ge=0, description="Linear learning-rate warm-up over the first N steps (verl's lr_warmup_steps)."
    )
    kl_coef: float = Field(0.01, ge=0.0)
    kl_loss_type: str = "low_var_kl"
    clip_ratio: float = Field(0.2, gt=0.0)
    entropy_coeff: float = Field(0.0, ge=0.0)
    temperature: float = Field(1.0, gt=0.0)

    @field_validator("reward")
    @classmethod
    def _known_reward(cls, value: str | None) -> str | None:
        from vision_r1.rewards.dispatch import KINDS

        if value is not None and value not in KINDS:
            raise ValueError(f"unknown reward kind {value!r} (known: {', '.join(sorted(KINDS))})")
        return value

    @model_validator(mode="after")
    def _mini_batch_divides_batch(self) -> GrpoStage:
        if self.rollout_batch_size % self.mini_batch_size:
            raise ValueError(
                f"rollout_batch_size ({self.rollout_batch_size}) must be a multiple of "
                f"mini_batch_size ({self.mini_batch_size})"
            )
        return self


class Benchmark(_Strict):
    """A local benchmark file or folder; layouts in README "Evaluation and run reports"."""

    kind: Literal[
        "mathvista", "mathverse", "mm_math", "rl", "refcoco", "coco_detection", "classification", "lisa"
    ]
    path: str
    name: str | None = Field(None, description="Column name in the summary (default: the kind).")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Kind-specific options, e.g. refcoco's subset/seed, coco_detection's split_file.",
    )


class EvalStage(StageBase):
    """Evaluate a model on local benchmark files with rule-based judging (`vision-r1 eval`)."""

    kind: Literal["eval"]
    model: str
    benchmarks: list[Benchmark] = Field(min_length=1)
    backend: Literal["auto", "transformers", "vllm"] = "auto"
    temperature: float = Field(0.6, ge=0.0)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    max_new_tokens: int = Field(16384, ge=1)
    batch_size: int | None = Field(None, ge=1)
    tensor_parallel_size: int = Field(1, ge=1)
    limit: int | None = Field(None, ge=1, description="Only the first N items of each benchmark.")
    format_retries: int = Field(
        0, ge=0, description="Re-sample up to N times when the format is wrong (reported)."
    )
    samples: int = Field(
        1, ge=1, description="Responses per question: accuracy becomes mean@N and pass@N is reported."
    )
    resample_missing_answer: bool = Field(
        False,
        description="The Vision-R1 evaluation's rule: re-sample a response without </answer>, up to 5 "
        "in all (raises scores; named in the table).",
    )
    seed: int = Field(0, description="Sampling seed.")
    prompt_template: str | None = Field(
        None,
        description="RL prompt template the model was trained with (vision_r1, zero, or a YAML file); "
        "its system prompt is used in evaluation.",
    )

    @field_validator("prompt_template")
    @classmethod
    def _known_template(cls, value: str | None) -> str | None:
        from vision_r1.data.prompts import load_template

        if value is not None:
            load_template(value)  # raises ValueError naming the known templates
        return value


Stage = Annotated[
    TinyModelStage | SynthStage | ColdStartStage | SftStage | GrpoStage | EvalStage,
    Field(discriminator="kind"),
]

STAGE_KINDS = ("tiny_model", "synth", "cold_start", "sft", "grpo", "eval")


class Recipe(_Strict):
    """A whole run: shared settings plus the ordered list of stages."""

    name: str = Field(pattern=STAGE_NAME_PATTERN)
    description: str = ""
    base_model: str
    run_dir: str | None = Field(None, description="Default: runs/<name>.")
    resources: Resources = Field(default_factory=Resources)
    defaults: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Settings merged into every stage of a kind, e.g. defaults.grpo.lr."
    )
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_stage_names(self) -> Recipe:
        seen: set[str] = set()
        for stage in self.stages:
            if stage.name in seen:
                raise ValueError(f"stage name {stage.name!r} is used twice")
            seen.add(stage.name)
        return self

    def stage(self, name: str) -> StageBase:
        for stage in self.stages:
            if stage.name == name:
                return stage
        known = ", ".join(s.name for s in self.stages)
        raise KeyError(f"no stage named {name!r} (stages: {known})")

    def resources_for(self, stage: StageBase) -> Resources:
        return stage.resources or self.resources
