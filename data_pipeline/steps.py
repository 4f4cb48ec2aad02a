"""The three generation steps of modality bridging: what each asks, of which model, and what it keeps.

1. pseudo_cot  (VLM, sees the images): caption + step-by-step reasoning towards the known answer.
2. description (same VLM, sees the images): a detailed description holding every visual fact the
   pseudo-CoT needed, so that text alone suffices to answer.
3. reasoning   (text reasoning model, no images): thinks from the description to the answer.
Step 4 (filter and assemble) is `filters` + `assemble`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data_pipeline.chat import ChatRequest, Completion, EngineFailure, ImagePart, Message
from data_pipeline.config import StepConfig, StepsConfig
from data_pipeline.templates import PromptTemplate, load_template

IMAGE_TAG = "<image>"
STEP_NAMES = ("pseudo_cot", "description", "reasoning")
STEP_ROLES = {"pseudo_cot": "vlm", "description": "vlm", "reasoning": "reasoner"}


@dataclass(frozen=True)
class Sample:
    """One row of the cold-start input table."""

    id: str
    images: tuple[bytes, ...]
    question: str
    answer: str
    choices: list[str] | None
    data_source: str

    @property
    def plain_question(self) -> str:
        """The question without `<image>` placeholders: in prompts the images are real image parts."""
        return self.question.replace(IMAGE_TAG, "").strip()


@dataclass(frozen=True)
class Step:
    name: str
    index: int
    role: str
    template: PromptTemplate
    config: StepConfig

    @property
    def sends_images(self) -> bool:
        return self.role == "vlm"

    def variables(self, sample: Sample, previous: dict[str, str]) -> dict[str, Any]:
        return {
            "question": sample.plain_question,
            "answer": sample.answer,
            "choices": sample.choices,
            "image_count": len(sample.images),
            "answer_hint": self.config.answer_hint,
            **{name: previous[name] for name in STEP_NAMES[: self.index]},
        }

    def build_request(self, sample: Sample, previous: dict[str, str]) -> ChatRequest:
        text = self.template.render(**self.variables(sample, previous))
        images = tuple(ImagePart(data) for data in sample.images) if self.sends_images else ()
        messages = [Message("user", (*images, text))]
        if self.config.system:
            messages.insert(0, Message("system", (self.config.system,)))
        return ChatRequest(tuple(messages), self.config.sampling.to_sampling())

    def check(self, completion: Completion) -> None:
        """A reply with nothing usable is a permanent failure of this step (retryable with --retry-failed)."""
        has_text = bool(completion.content.strip())
        if self.name == "reasoning":
            has_text = has_text or bool((completion.reasoning_content or "").strip())
        if not has_text:
            raise EngineFailure(
                "empty_output", f"{self.name} reply has no text (finish_reason={completion.finish_reason})"
            )

    def carried(self, completion: Completion) -> str:
        """What the next steps see of this step's reply."""
        return completion.content.strip()


def build_steps(config: StepsConfig) -> list[Step]:
    return [
        Step(
            name,
            index,
            STEP_ROLES[name],
            load_template(getattr(config, name).template),
            getattr(config, name),
        )
        for index, name in enumerate(STEP_NAMES)
    ]
