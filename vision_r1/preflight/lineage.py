"""Which stage produced a path: a training stage's model has its base model's shape and its data's prompt."""

from __future__ import annotations

from pathlib import Path

from stages.registry import declared_outputs
from vision_r1.preflight.shapes import ModelShape, shape_of
from vision_r1.recipe.schema import Recipe, StageBase

TRAINING_KINDS = ("sft", "grpo")


def producers(recipe: Recipe, run_dir: Path) -> dict[str, StageBase]:
    """Declared output path -> the stage that writes it."""
    found = {}
    for stage in recipe.stages:
        for path in declared_outputs(stage.kind, run_dir / stage.name).values():
            found[path] = stage
    return found


def training_stage(model: str, made_by: dict[str, StageBase]) -> StageBase | None:
    stage = made_by.get(model)
    return stage if stage is not None and stage.kind in TRAINING_KINDS else None


def resolve_shape(model: str | None, made_by: dict[str, StageBase]) -> ModelShape | None:
    """Follow training stages back to the model they start from (training never changes the shape)."""
    seen = set()
    while model is not None and model not in seen:
        seen.add(model)
        stage = training_stage(model, made_by)
        if stage is None:
            return shape_of(model)
        model = stage.model
    return None
