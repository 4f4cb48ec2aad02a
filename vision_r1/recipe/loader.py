"""Load a recipe YAML: apply `key=value` overrides, per-kind defaults and `${...}` references, then validate.

References are resolved statically because every stage's outputs live at fixed places in the run
directory, so `--dry-run` can show the exact command of the last stage before the first one runs.
Supported: `${stages.NAME.output.KEY}` (an earlier stage's declared output), `${base_model}`,
`${run_dir}`, `${name}`, `${recipe_dir}` (the folder holding the recipe file).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stages.registry import declared_outputs
from vision_r1.recipe.schema import STAGE_KINDS, Recipe

_REFERENCE = re.compile(r"\$\{([^}]+)\}")


class RecipeError(ValueError):
    """A recipe that cannot be used; the message names the file and the offending key."""


def parse_override(text: str) -> tuple[list[str], Any]:
    """`stages.sft.lr=1e-5` -> (['stages', 'sft', 'lr'], 1e-05); the value is parsed as YAML."""
    if "=" not in text:
        raise RecipeError(f"override {text!r} is not of the form key=value")
    key, raw = text.split("=", 1)
    if not key or any(not part for part in key.split(".")):
        raise RecipeError(f"override {text!r} has an empty key part")
    return key.split("."), yaml.safe_load(raw) if raw else ""


def _apply_override(data: dict[str, Any], path: list[str], value: Any, text: str) -> None:
    node: Any = data
    for depth, part in enumerate(path[:-1]):
        if isinstance(node, list):
            node = _list_item(node, part, text)
        else:
            if part not in node:
                node[part] = {}
            node = node[part]
        if not isinstance(node, dict | list):
            raise RecipeError(f"override {text!r}: {'.'.join(path[: depth + 1])} is not a mapping")
    last = path[-1]
    if isinstance(node, list):
        raise RecipeError(f"override {text!r}: cannot replace a whole list item; set one of its keys")
    node[last] = value


def _list_item(items: list[Any], key: str, text: str) -> Any:
    """Stages are addressed by name (`stages.sft.lr`), or by index (`stages.2.lr`)."""
    for item in items:
        if isinstance(item, dict) and item.get("name") == key:
            return item
    if key.isdigit() and int(key) < len(items):
        return items[int(key)]
    names = [item.get("name") for item in items if isinstance(item, dict)]
    raise RecipeError(f"override {text!r}: no stage named {key!r} (stages: {', '.join(map(str, names))})")


def _merge_kind_defaults(data: dict[str, Any]) -> None:
    defaults = data.get("defaults") or {}
    for stage in data.get("stages") or []:
        if isinstance(stage, dict) and stage.get("kind") in defaults:
            merged = copy.deepcopy(defaults[stage["kind"]])
            merged.update(stage)
            stage.clear()
            stage.update(merged)


def _resolve_text(text: str, scope: dict[str, Any], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        parts = key.split(".")
        if parts[0] == "stages":
            if len(parts) != 4 or parts[2] != "output":
                raise RecipeError(f"{where}: reference ${{{key}}} must look like ${{stages.NAME.output.KEY}}")
            outputs = scope["stages"].get(parts[1])
            if outputs is None:
                raise RecipeError(
                    f"{where}: ${{{key}}} refers to stage {parts[1]!r}, which is not an earlier stage"
                )
            if parts[3] not in outputs:
                raise RecipeError(
                    f"{where}: stage {parts[1]!r} has no output {parts[3]!r} (it has: {', '.join(outputs)})"
                )
            return str(outputs[parts[3]])
        if key in scope and not isinstance(scope[key], dict):
            return str(scope[key])
        raise RecipeError(f"{where}: unknown reference ${{{key}}}")

    return _REFERENCE.sub(replace, text)


def _resolve(node: Any, scope: dict[str, Any], where: str) -> Any:
    if isinstance(node, str):
        return _resolve_text(node, scope, where)
    if isinstance(node, list):
        return [_resolve(item, scope, f"{where}[{i}]") for i, item in enumerate(node)]
    if isinstance(node, dict):
        return {key: _resolve(value, scope, f"{where}.{key}") for key, value in node.items()}
    return node


def _format_validation_error(source: str, error: ValidationError, data: dict[str, Any]) -> str:
    lines = [f"{source}: invalid recipe"]
    for item in error.errors():
        location = list(item["loc"])
        # Show stages by name, and drop pydantic's union tag (the stage kind) from the path.
        if len(location) >= 2 and location[0] == "stages" and isinstance(location[1], int):
            stages = data.get("stages") or []
            name = stages[location[1]].get("name") if location[1] < len(stages) else None
            location[1] = name or location[1]
            if len(location) > 2 and location[2] in STAGE_KINDS:
                del location[2]
        path = ".".join(str(part) for part in location)
        lines.append(f"  {path}: {item['msg']}")
    return "\n".join(lines)


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    """Read, override, resolve and validate a recipe; raise RecipeError naming the file and key."""
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text())
    except FileNotFoundError:
        raise RecipeError(f"{source}: recipe file not found") from None
    except yaml.YAMLError as exc:
        raise RecipeError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{source}: a recipe must be a mapping with name, base_model and stages")
    for text in overrides or []:
        keys, value = parse_override(text)
        _apply_override(data, keys, value, text)
    _merge_kind_defaults(data)

    run_dir = data.get("run_dir") or f"runs/{data.get('name', 'run')}"
    scope: dict[str, Any] = {
        "name": data.get("name", ""),
        "base_model": data.get("base_model", ""),
        "recipe_dir": str(source.resolve().parent),
        "stages": {},
    }
    # Absolute, because verl's Ray workers and torchrun children must find the same folders.
    scope["run_dir"] = str(Path(_resolve_text(str(run_dir), scope, f"{source}: run_dir")).resolve())
    data["run_dir"] = scope["run_dir"]
    if "base_model" in data:
        data["base_model"] = _resolve_text(str(data["base_model"]), scope, f"{source}: base_model")
        scope["base_model"] = data["base_model"]
    resolved_stages = []
    for index, stage in enumerate(data.get("stages") or []):
        if not isinstance(stage, dict):
            raise RecipeError(f"{source}: stages[{index}] must be a mapping")
        label = stage.get("name", index)
        if stage.get("kind") not in STAGE_KINDS:
            raise RecipeError(
                f"{source}: stages.{label}.kind: unknown stage kind {stage.get('kind')!r} "
                f"(known: {', '.join(STAGE_KINDS)})"
            )
        resolved = _resolve(stage, scope, f"{source}: stages.{label}")
        resolved_stages.append(resolved)
        if isinstance(stage.get("name"), str) and isinstance(stage.get("kind"), str):
            stage_dir = Path(scope["run_dir"]) / stage["name"]
            scope["stages"][stage["name"]] = declared_outputs(stage["kind"], stage_dir)
    data["stages"] = resolved_stages
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(_format_validation_error(str(source), exc, data)) from None
