"""The cold-start YAML config: typed, strictly checked, with errors that name the file and the key.

A misspelled key fails before any model is loaded or any request is sent, so a long run never starts
on a config that silently ignores part of itself. Relative paths are resolved against the current
working directory (the repository root when run as documented).
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from data_pipeline.chat import Sampling


class ConfigError(ValueError):
    """A config problem; the message names the source and the dotted key."""


@dataclass(frozen=True)
class OpenAIEndpoint:
    """An OpenAI-compatible chat endpoint (vLLM, SGLang, a hosted API). The key is read from the
    environment variable named by `api_key_env` and never written anywhere.

    Outages: after `down_after_failures` transient failures in a row (across all requests) the endpoint
    counts as down; nothing more is sent to it, a minimal request probes it with backoff up to
    `probe_interval_s` apart, and sending resumes when it answers. An outage longer than
    `outage_budget_s` ends the run's use of the endpoint (its samples stay pending for the next run)."""

    base_url: str
    model: str
    kind: str = "openai"
    api_key_env: str | None = None
    max_concurrency: int = 16
    timeout_s: float = 600.0
    max_retries: int = 6
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    send_seed: bool = True
    down_after_failures: int = 5
    outage_budget_s: float = 1800.0
    probe_interval_s: float = 10.0


@dataclass(frozen=True)
class TransformersEndpoint:
    """In-process batched generation from a local HF model directory; `tiny:SEED` builds the tiny model."""

    model_dir: str
    kind: str = "transformers"
    batch_size: int = 8
    device: str = "cpu"
    dtype: str = "float32"


Endpoint = OpenAIEndpoint | TransformersEndpoint


@dataclass(frozen=True)
class SamplingConfig:
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 1024
    extra: dict[str, Any] = field(default_factory=dict)

    def to_sampling(self) -> Sampling:
        return Sampling(self.temperature, self.top_p, self.max_tokens, dict(self.extra))


@dataclass(frozen=True)
class StepConfig:
    """`template`: a built-in name from data_pipeline/prompts or a path to a .jinja file."""

    template: str
    system: str | None = None
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    answer_hint: bool = True  # reasoning step only: show the ground truth to the reasoner


@dataclass(frozen=True)
class StepsConfig:
    pseudo_cot: StepConfig = field(default_factory=lambda: StepConfig("pseudo_cot"))
    description: StepConfig = field(default_factory=lambda: StepConfig("description"))
    reasoning: StepConfig = field(default_factory=lambda: StepConfig("reasoning"))


@dataclass(frozen=True)
class FilterConfig:
    """Consistency rules of step 4 (see data_pipeline/filters.py and the README table)."""

    require_answer_match: bool = True
    reject_truncated: bool = True
    min_thinking_tokens: int = 20
    max_thinking_tokens: int = 16384
    max_non_latin_share: float = 0.05
    max_sentence_repeats: int = 5
    reject_description_reference: bool = True
    reject_hint_reference: bool = True
    rewrite_description_wording: bool = True


@dataclass(frozen=True)
class AssembleConfig:
    """`answer_format`: the text inside <answer>...</answer>; `{answer}` is replaced by the answer."""

    answer_format: str = "Final Answer: {answer}"


@dataclass(frozen=True)
class SyntheticSpec:
    n: int = 32
    seed: int = 0


@dataclass(frozen=True)
class SyntheticInput:
    """`input: {synthetic: {n, seed}}`: the `vision-r1 data synth` set, generated into the output directory."""

    synthetic: SyntheticSpec = field(default_factory=SyntheticSpec)


@dataclass(frozen=True)
class ColdStartConfig:
    input: str | SyntheticInput
    output_dir: str
    vlm: Endpoint
    reasoner: Endpoint
    steps: StepsConfig = field(default_factory=StepsConfig)
    filters: FilterConfig = field(default_factory=FilterConfig)
    assemble: AssembleConfig = field(default_factory=AssembleConfig)
    limit: int | None = None
    seed: int = 0  # part of every request key and seed: change it to draw a fresh set of replies
    max_samples_in_flight: int | None = None


def _unknown_key_error(source: str, where: str, key: str, allowed: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
    return ConfigError(f"{source}: {where}{key}: unknown key{hint}")


def _convert(value: Any, hint: Any, source: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        if OpenAIEndpoint in options:
            return _endpoint(value, source, where)
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _convert(value, option, source, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(errors[-1])
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, source, where + ".")
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {where}: expected a mapping, got {value!r}")
        return dict(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {where}: expected true/false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: {where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {where}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{source}: {where}: unsupported type {hint!r}")


def _build(cls: type, data: Any, source: str, prefix: str) -> Any:
    where = prefix.rstrip(".") or "config"
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {where}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            raise _unknown_key_error(source, prefix, str(key), names)
    values = {}
    for item in dataclasses.fields(cls):
        if item.name in data:
            values[item.name] = _convert(data[item.name], hints[item.name], source, prefix + item.name)
        elif item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{source}: {prefix}{item.name}: required key is missing")
    return cls(**values)


def _endpoint(data: Any, source: str, where: str) -> Endpoint:
    kinds = {"openai": OpenAIEndpoint, "transformers": TransformersEndpoint}
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in kinds:
        raise ConfigError(f"{source}: {where}.kind: must be one of {sorted(kinds)}, got {kind!r}")
    return _build(kinds[kind], data, source, where + ".")


def _check_outage_settings(endpoint: OpenAIEndpoint, where: str) -> None:
    if endpoint.down_after_failures < 1:
        raise ConfigError(f"{where}.down_after_failures: must be at least 1")
    if endpoint.outage_budget_s < 0:
        raise ConfigError(f"{where}.outage_budget_s: must not be negative")
    if endpoint.probe_interval_s <= 0:
        raise ConfigError(f"{where}.probe_interval_s: must be positive")


def _check_ranges(config: ColdStartConfig, source: str) -> None:
    for role in ("vlm", "reasoner"):
        endpoint = getattr(config, role)
        size = endpoint.max_concurrency if isinstance(endpoint, OpenAIEndpoint) else endpoint.batch_size
        if size < 1:
            raise ConfigError(f"{source}: {role}: concurrency/batch size must be at least 1")
        if isinstance(endpoint, OpenAIEndpoint):
            _check_outage_settings(endpoint, f"{source}: {role}")
    if "{answer}" not in config.assemble.answer_format:
        raise ConfigError(f"{source}: assemble.answer_format: must contain {{answer}}")
    if config.filters.min_thinking_tokens > config.filters.max_thinking_tokens:
        raise ConfigError(f"{source}: filters: min_thinking_tokens exceeds max_thinking_tokens")


def parse_config(data: Any, source: str = "<config>") -> ColdStartConfig:
    config = _build(ColdStartConfig, data, source, "")
    _check_ranges(config, source)
    return config


def load_config(config: dict[str, Any] | str | Path) -> ColdStartConfig:
    """A config from a mapping (the stage runner) or a YAML file (the CLI)."""
    if isinstance(config, dict):
        return parse_config(config)
    path = Path(config)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from error
    return parse_config(data, str(path))
